// "As of": a cycle, the cycles list and the board as they stood at a log position or at the end of a day in
// Vietnam, answered from the catalog's snapshots and the log — checked against an independent fold of the
// same events at every position.

#include <gtest/gtest.h>

#include <future>
#include <map>

#include "api/app/errc.h"
#include "api/app/read_service.h"
#include "api/app/vietnam_time.h"
#include "domain/cycle_decider.h"
#include "domain/registry_decider.h"
#include "domain/streams.h"
#include "domain/views.h"
#include "engine/clock.h"
#include "engine/command_pipeline.h"
#include "tests/domain/cluster_ii_script.h"
#include "tests/domain/map_store.h"
#include "tests/storage/log_fixture.h"
#include "tests/support/test_support.h"

namespace thidua::api {
namespace {

using testing::cmd::key;

constexpr const char* stream = "cycles/BCA/dia-phuong/2023";
const std::vector<std::string> cluster_5 = {"CA-HungYen", "CA-ThaiBinh", "CA-HaNam", "CA-NamDinh",
                                            "CA-HaiDuong"};

// The whole of Cluster II's 2023 cycle (fixtures.json), with 60 activities after the signatures so that the
// cycle has three snapshots, and Cluster 5 opened (never launched) in the same stream half-way. One step a
// day from 10/1/2023, 09:00 in Vietnam.
class as_of_test : public testing::log_fixture {
 protected:
  static std::int64_t day_ms(int day) {
    return *vietnam_day_start_ms("2023-01-10") + day * 86'400'000LL + 9 * 3'600'000LL;
  }

  void SetUp() override {
    log_fixture::SetUp();
    engine::command_pipeline<domain::cycle_decider> cycles(*log_);
    auto script = testing::cluster_ii_script();
    std::vector<std::pair<domain::pb::Actor, domain::pb::Command>> steps(script.begin(), script.begin() + 10);
    for (int i = 0; i < 60; ++i) {
      const auto& unit = testing::cluster_ii_members()[i % 7];
      domain::pb::Command c;
      *c.mutable_cycle() = testing::cluster_ii_key();
      c.mutable_activity()->set_date("2023-05-01");
      c.mutable_activity()->set_kind("sports_meet");
      c.mutable_activity()->set_description("Hội thao lần " + std::to_string(i));
      steps.emplace_back(testing::as(unit, domain::pb::MEMBER), c);
      if (i == 30) {
        auto open =
            testing::cmd::open("Cụm thi đua số 5 - Bộ Công an", cluster_5, "CA-HungYen", "CA-ThaiBinh");
        *open.mutable_cycle() = key("BCA", "dia-phuong", "5", 2023);
        steps.emplace_back(testing::organizer(), open);
      }
    }
    steps.insert(steps.end(), script.begin() + 10, script.end());
    for (std::size_t i = 0; i < steps.size(); ++i) {
      auto& [actor, c] = steps[i];
      ASSERT_OK(cycles.execute(
          {"step-" + std::to_string(i), actor, c, day_ms(static_cast<int>(i)), std::nullopt, {}, {}, {}}));
    }
    // What the cycle's view was after each position: the domain's fold, on its own.
    thidua::testing::map_store store;
    const auto ii = domain::cycle_view_key("BCA", "dia-phuong", 2023, "2");
    auto all = log_->read_all({1}, 10'000);
    ASSERT_TRUE(all);
    for (const auto& e : all.value()) {
      const auto& r = e->record;
      auto decoded = domain::decode_event(r.stream_id(), r.event_type(), r.payload());
      domain::apply_to_views(std::get<domain::pb::Event>(decoded.event),
                             {r.stream_id(), r.position(), r.recorded_at_ms(), r.stream_version()}, store);
      expected_[r.position()] = store.kv.count(ii) ? store.kv[ii] : "";
    }
    office_.set_unit_id("BCA-X03");
    office_.set_role("ORGANIZER_OFFICE");
    office_.set_organizer_id("BCA");
  }

  pb::Query cycle_as_of(std::uint64_t position, const std::string& date = {}) const {
    pb::Query q;
    auto* g = q.mutable_get_cycle();
    g->set_organizer_id("BCA");
    g->set_series("dia-phuong");
    g->set_year(2023);
    g->set_number("II");
    g->mutable_as_of()->set_position(position);
    g->mutable_as_of()->set_date(date);
    q.set_at_least_position(log_->head().value);
    return q;
  }

  result<pb::QueryResult> ask(read_service& reads, const pb::TokenGrant& grant, const pb::Query& q) {
    std::promise<result<pb::QueryResult>> answered;
    reads.query_when_applied(std::make_shared<pb::TokenGrant>(grant), q,
                             [&](result<pb::QueryResult> r) { answered.set_value(std::move(r)); });
    return answered.get_future().get();
  }

  static read_options with_clock(const engine::wall_clock& clock) {
    read_options o;
    o.clock = &clock;
    return o;
  }

  std::map<std::uint64_t, std::string> expected_;  // Cluster II's view bytes after each position ("" = none)
  pb::TokenGrant office_;
};

TEST_F(as_of_test, a_cycle_as_of_every_position_equals_the_fold_up_to_it_folding_at_most_31_events) {
  read_service reads(*log_);
  ASSERT_OK(reads.start());
  ASSERT_EQ(log_->head().value, 96u) << "Cluster II's 95 events: snapshots after its 32nd and 64th";
  for (std::uint64_t p = 1; p <= log_->head().value; ++p) {
    auto r = ask(reads, office_, cycle_as_of(p));
    if (expected_[p].empty()) {
      ASSERT_FALSE(r) << p;
      EXPECT_EQ(r.error().code, errc::not_found) << p;
      continue;
    }
    ASSERT_TRUE(r) << p << ": " << r.error().message;
    EXPECT_EQ(r.value().as_of_position(), p);
    EXPECT_LE(r.value().folded_events(), 31u) << p;
    ASSERT_EQ(r.value().cycles_size(), 1);
    EXPECT_EQ(domain::serialize_view(r.value().cycles(0)), expected_[p]) << "as of position " << p;
  }
  reads.stop();
}

TEST_F(as_of_test, a_date_gives_the_cycle_at_the_end_of_that_day_in_vietnam) {
  engine::manual_wall_clock clock(*vietnam_day_start_ms("2024-01-01"));
  read_service reads(*log_, with_clock(clock));
  ASSERT_OK(reads.start());
  // The 7th signature (19/1/2023, positions 10 and 11: PledgeSigned, PledgeActivated) puts the pledge in
  // force; the day before it had 6 of 7.
  auto before = ask(reads, office_, cycle_as_of(0, "18/1/2023"));
  auto after = ask(reads, office_, cycle_as_of(0, "2023-01-19"));
  ASSERT_TRUE(before) << before.error().message;
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(before.value().as_of_position(), 9u);
  EXPECT_EQ(after.value().as_of_position(), 11u);
  EXPECT_EQ(before.value().cycles(0).stage(), domain::pb::LAUNCHED);
  EXPECT_EQ(before.value().cycles(0).signed_unit_ids_size(), 6);
  EXPECT_EQ(after.value().cycles(0).stage(), domain::pb::PLEDGE_IN_FORCE);
  EXPECT_EQ(domain::serialize_view(after.value().cycles(0)), expected_[11]);
  // Before the opening (9/1/2023) there was no cycle; the last day of the log gives it as it is now.
  auto unopened = ask(reads, office_, cycle_as_of(0, "09/01/2023"));
  ASSERT_FALSE(unopened);
  EXPECT_EQ(unopened.error().code, errc::not_found);
  auto latest = ask(reads, office_, cycle_as_of(0, "31/12/2023"));
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest.value().as_of_position(), log_->head().value);
  EXPECT_EQ(latest.value().cycles(0).stage(), domain::pb::CLOSED);
  reads.stop();
}

TEST_F(as_of_test, a_bad_as_of_is_refused_naming_its_field) {
  engine::manual_wall_clock clock(*vietnam_day_start_ms("2024-01-01"));
  read_service reads(*log_, with_clock(clock));
  ASSERT_OK(reads.start());
  const auto head = log_->head().value;
  const std::pair<pb::Query, std::string> cases[] = {
      {cycle_as_of(head + 1), "get_cycle.as_of.position"},
      {cycle_as_of(3, "2023-01-19"), "get_cycle.as_of"},
      {cycle_as_of(0, "31/2/2023"), "get_cycle.as_of.date"},
      {cycle_as_of(0, "hôm qua"), "get_cycle.as_of.date"},
      {cycle_as_of(0, "2024-01-02"), "get_cycle.as_of.date"},  // tomorrow
  };
  for (const auto& [q, field] : cases) {
    auto r = ask(reads, office_, q);
    ASSERT_FALSE(r) << field;
    EXPECT_EQ(r.error().code, errc::invalid_field) << field;
    EXPECT_EQ(r.error().field, field);
    EXPECT_TRUE(message_vi_of(r.error())) << field;
  }
  reads.stop();
}

TEST_F(as_of_test, the_board_counts_signatures_and_deadlines_as_of_a_day_and_shows_only_readable_cycles) {
  engine::manual_wall_clock clock(*vietnam_day_start_ms("2023-12-01"));
  read_service reads(*log_, with_clock(clock));
  ASSERT_OK(reads.start());
  auto board = [&](const pb::TokenGrant& who, const std::string& date) {
    pb::Query q;
    q.set_at_least_position(log_->head().value);
    q.mutable_get_board()->set_year(2023);
    q.mutable_get_board()->mutable_as_of()->set_date(date);
    auto r = ask(reads, who, q);
    EXPECT_TRUE(r) << r.error().message;
    return r ? r.value() : pb::QueryResult{};
  };
  // 15/1/2023: Cluster II launched with 3 of 7 signatures (13, 14 and 15/1); Cluster 5 not opened yet.
  auto early = board(office_, "15/1/2023");
  ASSERT_EQ(early.board_size(), 1);
  EXPECT_EQ(early.board(0).key().number(), "2");
  EXPECT_EQ(early.board(0).signatures(), 3u);
  EXPECT_EQ(early.board(0).members(), 7u);
  EXPECT_EQ(early.board(0).chair_unit_id(), "CA-LaiChau");
  EXPECT_EQ(early.board(0).stage(), domain::pb::LAUNCHED);
  EXPECT_EQ(early.board(0).next_deadline().step(), "mid_year_review");
  EXPECT_EQ(early.board(0).next_deadline().date(), "2023-07-31");
  EXPECT_EQ(early.board(0).next_deadline().days_left(), 197);
  EXPECT_FALSE(early.board(0).next_deadline().overdue());
  EXPECT_EQ(early.board(0).last_activity().substr(0, 10), "2023-01-15");
  // 5/4/2023: Cluster 5 (opened 20/2) was never launched: the launch (by 31/3) is overdue.
  auto april = board(office_, "2023-04-05");
  ASSERT_EQ(april.board_size(), 2);
  const auto& five = april.board(1);
  EXPECT_EQ(five.key().number(), "5");
  EXPECT_EQ(five.stage(), domain::pb::OPENED);
  EXPECT_EQ(five.signatures(), 0u);
  EXPECT_EQ(five.members(), 5u);
  EXPECT_EQ(five.next_deadline().step(), "launch");
  EXPECT_TRUE(five.next_deadline().overdue());
  EXPECT_EQ(five.next_deadline().days_left(), -5);
  ASSERT_EQ(five.overdue_size(), 1);
  EXPECT_EQ(five.overdue(0).step_vi(), "Phát động phong trào thi đua");
  EXPECT_EQ(april.board(0).overdue_size(), 0) << "Cluster II launched in time";
  // Sơn La (Cluster II) sees its own cluster's row only, Hưng Yên (Cluster 5) its own.
  const auto member = [](const char* unit) {
    pb::TokenGrant g;
    g.set_unit_id(unit);
    g.set_role("MEMBER");
    return g;
  };
  for (const auto& [unit, number] : {std::pair{"CA-SonLa", "2"}, std::pair{"CA-HungYen", "5"}}) {
    auto rows = board(member(unit), "2023-04-05");
    ASSERT_EQ(rows.board_size(), 1) << unit;
    EXPECT_EQ(rows.board(0).key().number(), number) << unit;
  }
  auto refused = ask(reads, member("CA-HungYen"), cycle_as_of(20));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::forbidden);
  reads.stop();
}

TEST_F(as_of_test, statistics_count_stages_awards_and_overdue_steps_of_the_readable_cycles) {
  engine::manual_wall_clock clock(*vietnam_day_start_ms("2024-01-01"));
  read_service reads(*log_, with_clock(clock));
  ASSERT_OK(reads.start());
  pb::Query q;
  q.set_at_least_position(log_->head().value);
  q.mutable_get_statistics()->set_year(2023);
  auto r = ask(reads, office_, q);
  ASSERT_TRUE(r) << r.error().message;
  const auto& s = r.value().statistics();
  auto counts = [](const auto& list) {
    std::map<std::string, std::uint32_t> out;
    for (const auto& c : list) out[c.name()] = c.count();
    return out;
  };
  EXPECT_EQ(s.cycles(), 2u);
  EXPECT_EQ(counts(s.by_stage()), (std::map<std::string, std::uint32_t>{{"CLOSED", 1}, {"OPENED", 1}}));
  const std::map<std::string, std::uint32_t> awards{
      {"CERTIFICATE_OF_MERIT", 3}, {"GOVERNMENT_FLAG", 1}, {"MINISTRY_FLAG", 3}};
  EXPECT_EQ(counts(s.nominated_awards()), awards);
  EXPECT_EQ(counts(s.granted_awards()), awards);
  EXPECT_EQ(s.refused(), 0u);
  // Cluster 5 never launched: by 1/1/2024 each of its four dated steps is overdue; Cluster II is closed.
  EXPECT_EQ(counts(s.overdue_steps()),
            (std::map<std::string, std::uint32_t>{
                {"launch", 1}, {"mid_year_review", 1}, {"nominations", 1}, {"year_end_summary", 1}}));
  EXPECT_EQ(s.cycles_with_overdue_steps(), 1u);
  // As of 15/1/2023 only Cluster II was open, launched, nothing overdue yet.
  q.mutable_get_statistics()->mutable_as_of()->set_date("15/1/2023");
  auto early = ask(reads, office_, q);
  ASSERT_TRUE(early);
  EXPECT_EQ(early.value().statistics().cycles(), 1u);
  EXPECT_EQ(counts(early.value().statistics().by_stage()),
            (std::map<std::string, std::uint32_t>{{"LAUNCHED", 1}}));
  EXPECT_EQ(early.value().statistics().overdue_steps_size(), 0);
  // Hưng Yên reads its own cluster's cycle only.
  pb::TokenGrant hung_yen;
  hung_yen.set_unit_id("CA-HungYen");
  hung_yen.set_role("MEMBER");
  q.mutable_get_statistics()->clear_as_of();
  auto theirs = ask(reads, hung_yen, q);
  ASSERT_TRUE(theirs);
  EXPECT_EQ(theirs.value().statistics().cycles(), 1u);
  EXPECT_EQ(theirs.value().statistics().nominated_awards_size(), 0);
  reads.stop();
}

// Yên Bái merged into Lào Cai (1/7/2025): Lào Cai's record holds its own 2023 year in Cluster II and Yên
// Bái's 2024 year in Cluster 3, under Yên Bái's name.
TEST_F(as_of_test, a_unit_s_record_follows_its_years_and_the_units_merged_into_it) {
  engine::command_pipeline<domain::registry_decider> registry(*log_);
  domain::pb::Actor office = testing::organizer();
  int n = 0;
  auto registry_step = [&](domain::pb::RegistryCommand c) {
    ASSERT_OK(
        registry.execute({"reg-" + std::to_string(n++), office, c, day_ms(400), std::nullopt, {}, {}, {}}));
  };
  for (auto [id, name] :
       {std::pair{"CA-LaoCai", "Công an tỉnh Lào Cai"}, std::pair{"CA-YenBai", "Công an tỉnh Yên Bái"}}) {
    domain::pb::RegistryCommand c;
    c.mutable_register_unit()->set_unit_id(id);
    c.mutable_register_unit()->set_name(name);
    c.mutable_register_unit()->set_kind(domain::pb::PROVINCIAL_POLICE);
    registry_step(c);
  }
  engine::command_pipeline<domain::cycle_decider> cycles(*log_);
  auto open = testing::cmd::open("Cụm thi đua số 3 - Bộ Công an", {"CA-YenBai", "CA-TuyenQuang", "CA-PhuTho"},
                                 "CA-YenBai", "CA-PhuTho");
  *open.mutable_cycle() = key("BCA", "dia-phuong", "3", 2024);
  ASSERT_OK(
      cycles.execute({"open-3-2024", testing::organizer(), open, day_ms(420), std::nullopt, {}, {}, {}}));
  const auto before_merge = log_->head().value;
  domain::pb::RegistryCommand merge;
  merge.mutable_merge_unit()->set_unit_id("CA-YenBai");
  merge.mutable_merge_unit()->set_into_unit_id("CA-LaoCai");
  merge.mutable_merge_unit()->set_effective_date("2025-07-01");
  registry_step(merge);

  engine::manual_wall_clock clock(*vietnam_day_start_ms("2025-12-01"));
  read_service reads(*log_, with_clock(clock));
  ASSERT_OK(reads.start());
  auto record_of = [&](const pb::TokenGrant& who, std::uint64_t as_of_position) {
    pb::Query q;
    q.set_at_least_position(log_->head().value);
    q.mutable_get_unit_record()->set_unit_id("CA-LaoCai");
    q.mutable_get_unit_record()->mutable_as_of()->set_position(as_of_position);
    return ask(reads, who, q);
  };
  auto r = record_of(office_, 0);
  ASSERT_TRUE(r) << r.error().message;
  const auto& record = r.value().unit_record();
  EXPECT_EQ(record.unit().name(), "Công an tỉnh Lào Cai");
  ASSERT_EQ(record.predecessors_size(), 1);
  EXPECT_EQ(record.predecessors(0).unit_id(), "CA-YenBai");
  ASSERT_EQ(record.years_size(), 2);
  const auto& y2023 = record.years(0);
  EXPECT_EQ(y2023.key().year(), 2023u);
  EXPECT_EQ(y2023.unit_id(), "CA-LaoCai");
  EXPECT_EQ(y2023.unit_name(), "Công an tỉnh Lào Cai");
  EXPECT_EQ(y2023.role(), domain::pb::MEMBER);
  EXPECT_TRUE(y2023.pledge_signed());
  EXPECT_EQ(y2023.verified_points(), 89u);
  EXPECT_EQ(y2023.rank(), 6u);  // 98, 95, 94, 93, 90, 89, 88
  EXPECT_EQ(y2023.adopted(), domain::pb::CERTIFICATE_OF_MERIT);
  EXPECT_EQ(y2023.decision(), "GRANTED");
  const auto& y2024 = record.years(1);
  EXPECT_EQ(y2024.key().number(), "3");
  EXPECT_EQ(y2024.unit_id(), "CA-YenBai");
  EXPECT_EQ(y2024.unit_name(), "Công an tỉnh Yên Bái");
  EXPECT_EQ(y2024.role(), domain::pb::CHAIR);
  EXPECT_EQ(y2024.stage(), domain::pb::OPENED);
  // Before Cluster 3 opened, the record has 2023 alone.
  auto earlier = record_of(office_, before_merge - 1);
  ASSERT_TRUE(earlier);
  EXPECT_EQ(earlier.value().unit_record().years_size(), 1);
  // Sơn La (Cluster II) sees the year it shared with Lào Cai, never Cluster 3's.
  pb::TokenGrant son_la;
  son_la.set_unit_id("CA-SonLa");
  son_la.set_role("MEMBER");
  auto shared = record_of(son_la, 0);
  ASSERT_TRUE(shared);
  ASSERT_EQ(shared.value().unit_record().years_size(), 1);
  EXPECT_EQ(shared.value().unit_record().years(0).key().year(), 2023u);
  pb::Query unknown;
  unknown.mutable_get_unit_record()->set_unit_id("CA-Atlantis");
  auto missing = ask(reads, office_, unknown);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::not_found);
  reads.stop();
}

}  // namespace
}  // namespace thidua::api
