// Who reads a cluster's year: the membership index learns it from the log, in batches or at start.

#include "api/app/membership_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>

#include "api/app/command_service.h"
#include "api/app/errc.h"
#include "api/app/read_service.h"
#include "engine/clock.h"
#include "engine/errc.h"
#include "tests/api/app/token_commands.h"
#include "tests/domain/commands.h"
#include "tests/storage/log_fixture.h"
#include "tests/support/test_support.h"

namespace thidua::api {
namespace {

class membership_index_test : public testing::log_fixture {
 protected:
  void SetUp() override {
    log_fixture::SetUp();
    office_ = testing::ministry_office_grant();
    commands_ = std::make_unique<command_service>(*log_, clock_);
  }

  result<pb::CommandAccepted> submit(pb::SubmitCommand c) {
    std::promise<result<pb::CommandAccepted>> done;
    commands_->execute(office_, std::move(c),
                       [&](result<pb::CommandAccepted> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  void run(pb::SubmitCommand c) { ASSERT_OK(submit(std::move(c))); }
  void registry(const std::string& id, domain::pb::RegistryCommand c) {
    pb::SubmitCommand s;
    s.set_command_id(id);
    *s.mutable_registry() = std::move(c);
    run(std::move(s));
  }
  void cycle(const std::string& id, domain::pb::Command c, unsigned year = 2025) {
    ASSERT_OK(try_cycle(id, std::move(c), year));
  }
  result<pb::CommandAccepted> try_cycle(const std::string& id, domain::pb::Command c, unsigned year = 2025) {
    pb::SubmitCommand s;
    s.set_command_id(id);
    *c.mutable_cycle() = testing::cmd::key("BCA", "dia-phuong", "1", year);
    *s.mutable_cycle() = std::move(c);
    return submit(std::move(s));
  }
  void register_units(std::initializer_list<const char*> units) {
    for (const char* u : units) {
      domain::pb::RegistryCommand c;
      c.mutable_register_unit()->set_unit_id(u);
      c.mutable_register_unit()->set_name(std::string("Công an tỉnh ") + u);
      c.mutable_register_unit()->set_kind(domain::pb::PROVINCIAL_POLICE);
      registry(std::string("reg-") + u, std::move(c));
    }
    domain::pb::RegistryCommand d;
    d.mutable_define_cluster()->set_organizer_id("BCA");
    d.mutable_define_cluster()->set_series("dia-phuong");
    d.mutable_define_cluster()->set_number("1");
    d.mutable_define_cluster()->set_name("Cụm thi đua số 1");
    registry("define-1", std::move(d));
  }

  // The members the index holds for cluster 1 of 2025, learned batch by batch and loaded at a start.
  std::pair<std::vector<std::string>, std::vector<std::string>> readers(
      const std::string& stream = "cycles/BCA/dia-phuong/2025") {
    membership_index learned(*log_), loaded(*log_);
    auto all = log_->read_all({1}, 10'000);
    EXPECT_TRUE(all);
    if (all)
      for (const auto& e : all.value()) learned.learn({e});
    EXPECT_TRUE(loaded.load("no-such-projection"));
    auto sorted = [](membership_index::unit_list l) {
      std::vector<std::string> v(*l);
      std::sort(v.begin(), v.end());
      return v;
    };
    return {sorted(learned.members(stream, "1")), sorted(loaded.members(stream, "1"))};
  }

  engine::manual_wall_clock clock_{1'750'000'000'000};
  std::unique_ptr<command_service> commands_;
  pb::TokenGrant office_;
};

TEST_F(membership_index_test, the_members_of_a_dissolved_opening_keep_reading_the_clusters_year) {
  register_units({"CA-A", "CA-B", "CA-C", "CA-D"});
  cycle("open", testing::cmd::open("Cụm 1", {"CA-A", "CA-B"}, "CA-A", ""));
  domain::pb::Command dissolve;
  dissolve.mutable_dissolve()->set_reason("mở nhầm");
  cycle("dissolve", dissolve);
  cycle("open-again", testing::cmd::open("Cụm 1", {"CA-C", "CA-D"}, "CA-C", ""));
  const std::vector<std::string> all{"CA-A", "CA-B", "CA-C", "CA-D"};
  auto [learned, loaded] = readers();
  EXPECT_EQ(learned, all);
  EXPECT_EQ(loaded, all);
}

TEST_F(membership_index_test, a_successor_reads_its_predecessors_years_and_takes_its_place_mid_year) {
  register_units({"CA-HaGiang", "CA-TuyenQuang", "CA-LaiChau"});
  cycle("open-2024", testing::cmd::open("Cụm 1", {"CA-HaGiang", "CA-LaiChau"}, "CA-LaiChau", ""), 2024);
  cycle("open-2025", testing::cmd::open("Cụm 1", {"CA-HaGiang", "CA-LaiChau"}, "CA-LaiChau", ""));

  domain::pb::Command change;
  auto* m = change.mutable_change_membership();
  m->set_unit_id("CA-HaGiang");
  m->set_successor_unit_id("CA-TuyenQuang");
  m->set_effective_date("2025-07-01");
  m->set_reason("Nghị quyết số 202/2025/QH15");
  // The registry is the source of truth: the cycle's change waits for the merger to be recorded there.
  auto early = try_cycle("change", change);
  ASSERT_FALSE(early);
  ASSERT_NE(engine::rejection_of(early.error()), nullptr) << early.error().message;
  EXPECT_EQ(engine::rejection_of(early.error())->code, "CHANGE_NOT_IN_REGISTRY");
  {
    domain::pb::RegistryCommand merge;
    merge.mutable_merge_unit()->set_unit_id("CA-HaGiang");
    merge.mutable_merge_unit()->set_into_unit_id("CA-TuyenQuang");
    merge.mutable_merge_unit()->set_effective_date("2025-07-01");
    registry("merge", std::move(merge));
  }
  cycle("change", change);

  const std::vector<std::string> with_successor{"CA-HaGiang", "CA-LaiChau", "CA-TuyenQuang"};
  auto [learned, loaded] = readers();
  EXPECT_EQ(learned, with_successor);
  EXPECT_EQ(loaded, with_successor);
  auto [learned_2024, loaded_2024] = readers("cycles/BCA/dia-phuong/2024");
  EXPECT_EQ(learned_2024, with_successor) << "Tuyên Quang reads Hà Giang's 2024 under Hà Giang's name";
  EXPECT_EQ(loaded_2024, with_successor);

  // Through the read side: the successor's officers get Hà Giang's 2024 cycle, not FORBIDDEN.
  read_service reads(*log_);
  ASSERT_OK(reads.start());
  auto successor = std::make_shared<pb::TokenGrant>();
  successor->set_unit_id("CA-TuyenQuang");
  successor->set_person_name("Lãnh đạo Công an tỉnh Tuyên Quang");
  successor->set_role("MEMBER");
  for (unsigned year : {2024u, 2025u}) {
    pb::Query q;
    q.set_at_least_position(log_->head().value);
    auto* g = q.mutable_get_cycle();
    g->set_organizer_id("BCA");
    g->set_series("dia-phuong");
    g->set_year(year);
    g->set_number("1");
    std::promise<result<pb::QueryResult>> answered;
    reads.query_when_applied(successor, q,
                             [&](result<pb::QueryResult> r) { answered.set_value(std::move(r)); });
    auto r = answered.get_future().get();
    ASSERT_TRUE(r.has_value()) << year << ": " << testing::describe(r.error());
    ASSERT_EQ(r.value().cycles_size(), 1);
    if (year == 2025) {
      EXPECT_EQ(r.value().cycles(0).member_unit_ids(0), "CA-TuyenQuang") << "in Hà Giang's place";
    }
  }
  reads.stop();
}

}  // namespace
}  // namespace thidua::api
