// Commands called as the CLI and tests call them: no socket; the wall clock is the one the service is handed.

#include "api/app/command_service.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <future>
#include <optional>
#include <tuple>

#include "api/app/errc.h"
#include "engine/clock.h"
#include "engine/errc.h"
#include "tests/api/app/token_commands.h"
#include "tests/domain/commands.h"
#include "tests/storage/log_fixture.h"
#include "tests/support/test_support.h"

namespace thidua::api {
namespace {

class command_service_test : public testing::log_fixture {
 protected:
  void SetUp() override {
    log_fixture::SetUp();
    office_ = testing::ministry_office_grant();
  }

  result<pb::CommandAccepted> run(command_service& commands, pb::SubmitCommand c) {
    return run(commands, office_, std::move(c));
  }
  result<pb::CommandAccepted> run(command_service& commands, const pb::TokenGrant& grant,
                                  pb::SubmitCommand c) {
    std::promise<result<pb::CommandAccepted>> done;
    commands.execute(grant, std::move(c),
                     [&](result<pb::CommandAccepted> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  // Defines cluster `number` of BCA's provincial series and registers its units, as an organizer does first.
  void define_cluster(command_service& commands, const std::string& number,
                      const std::vector<std::string>& units) {
    for (const auto& u : units) ASSERT_OK(run(commands, register_unit("reg-" + u, u)));
    pb::SubmitCommand c;
    c.set_command_id("define-" + number);
    auto* d = c.mutable_registry()->mutable_define_cluster();
    d->set_organizer_id("BCA");
    d->set_series("dia-phuong");
    d->set_number(number);
    d->set_name("Cụm thi đua số " + number);
    ASSERT_OK(run(commands, c));
  }

  static pb::SubmitCommand register_unit(const std::string& command_id, const std::string& unit) {
    pb::SubmitCommand c;
    c.set_command_id(command_id);
    auto* r = c.mutable_registry()->mutable_register_unit();
    r->set_unit_id(unit);
    r->set_name("Công an tỉnh " + unit);
    r->set_kind(domain::pb::PROVINCIAL_POLICE);
    return c;
  }

  void open_two_clusters(command_service& commands);

  pb::TokenGrant office_;
  pb::TokenGrant chair, other_chair;
};

TEST_F(command_service_test, events_are_recorded_at_the_time_of_the_clock_it_is_handed) {
  constexpr std::int64_t may_2024 = 1714521600000;  // 2024-05-01T00:00:00Z
  engine::manual_wall_clock clock(may_2024);
  command_service commands(*log_, clock);
  ASSIGN_OR_FAIL(first, run(commands, register_unit("reg-1", "CA-LaiChau")));
  clock.advance(std::chrono::hours(24));
  ASSIGN_OR_FAIL(second, run(commands, register_unit("reg-2", "CA-SonLa")));

  ASSIGN_OR_FAIL(events, log_->read_stream("registry", {1}, 10));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]->record.recorded_at_ms(), may_2024);
  EXPECT_EQ(events[1]->record.recorded_at_ms(), may_2024 + 86'400'000);
  EXPECT_EQ(second.last_position(), first.last_position() + 1);
}

TEST_F(command_service_test, a_command_without_a_target_or_a_valid_id_is_refused_naming_the_field) {
  engine::manual_wall_clock clock(0);
  command_service commands(*log_, clock);
  pb::SubmitCommand empty;
  empty.set_command_id("c-1");
  auto no_target = run(commands, empty);
  ASSERT_FALSE(no_target);
  EXPECT_EQ(no_target.error().code, errc::missing_field);
  EXPECT_EQ(no_target.error().field, "command.target");

  auto bad_id = run(commands, register_unit("has space", "CA-LaiChau"));
  ASSERT_FALSE(bad_id);
  EXPECT_EQ(bad_id.error().code, errc::invalid_field);
  EXPECT_EQ(bad_id.error().field, "command.command_id");
  EXPECT_EQ(log_->head().value, 0u) << "nothing recorded";
}

// A cycle command of cluster `number` of BCA's provincial series in 2030.
pb::SubmitCommand on_cycle(const std::string& command_id, const std::string& number, domain::pb::Command c,
                           std::optional<std::uint64_t> expected_version = std::nullopt) {
  pb::SubmitCommand s;
  s.set_command_id(command_id);
  *c.mutable_cycle() = testing::cmd::key("BCA", "dia-phuong", number, 2030);
  *s.mutable_cycle() = std::move(c);
  if (expected_version) {
    s.set_expected_version(*expected_version);
    s.set_has_expected_version(true);
  }
  return s;
}

TEST_F(command_service_test, a_cycle_opens_only_on_what_the_registry_holds) {
  engine::manual_wall_clock clock(1'900'000'000'000);
  command_service commands(*log_, clock);
  auto undefined =
      run(commands, on_cycle("open-1", "1", testing::cmd::open("Cụm 1", {"CA-A", "CA-B"}, "CA-A", "")));
  ASSERT_FALSE(undefined);
  ASSERT_NE(engine::rejection_of(undefined.error()), nullptr) << undefined.error().message;
  EXPECT_EQ(engine::rejection_of(undefined.error())->code, "CLUSTER_NOT_DEFINED");
  EXPECT_EQ(undefined.error().field, "cycle.number");

  define_cluster(commands, "1", {"CA-A"});
  auto unregistered =
      run(commands, on_cycle("open-1", "1", testing::cmd::open("Cụm 1", {"CA-A", "CA-B"}, "CA-A", "")));
  ASSERT_FALSE(unregistered);
  EXPECT_EQ(engine::rejection_of(unregistered.error())->code, "UNIT_NOT_REGISTERED");
  EXPECT_NE(unregistered.error().message.find("CA-B"), std::string::npos) << unregistered.error().message;

  ASSERT_OK(run(commands, register_unit("reg-CA-B", "CA-B")));
  ASSERT_OK(
      run(commands, on_cycle("open-1", "1", testing::cmd::open("Cụm 1", {"CA-A", "CA-B"}, "CA-A", ""))));
}

// Opens 2030's clusters 1 (CA-A chairs) and 2 (CA-X chairs) of the same series; `chair` and `other_chair`
// are tokens of their units, minted MEMBER: the cycle makes them chairs.
void command_service_test::open_two_clusters(command_service& commands) {
  define_cluster(commands, "1", {"CA-A", "CA-B"});
  define_cluster(commands, "2", {"CA-X", "CA-Y"});
  ASSERT_OK(
      run(commands, on_cycle("open-1", "1", testing::cmd::open("Cụm 1", {"CA-A", "CA-B"}, "CA-A", ""))));
  ASSERT_OK(
      run(commands, on_cycle("open-2", "2", testing::cmd::open("Cụm 2", {"CA-X", "CA-Y"}, "CA-X", ""))));
  chair.set_unit_id("CA-A");
  chair.set_person_name("Lãnh đạo CA-A");
  chair.set_role("MEMBER");
  other_chair = chair;
  other_chair.set_unit_id("CA-X");
}

TEST_F(command_service_test, a_chairs_version_check_concerns_its_cycle_not_the_other_clusters_of_the_year) {
  engine::manual_wall_clock clock(1'900'000'000'000);
  command_service commands(*log_, clock);
  open_two_clusters(commands);

  // Cluster 1's cycle has one event (opened) although the year's stream has two: the check passes.
  ASSIGN_OR_FAIL(launched,
                 run(commands, chair, on_cycle("launch", "1", testing::cmd::launch("2030-03-20"), 1)));
  EXPECT_EQ(launched.version(), 2u) << "the cycle's version after the launch: the next expected_version";
  EXPECT_EQ(launched.stream_version(), 0u) << "the shared stream's version is not told";

  // Cluster 2 keeps working; cluster 1's next check is not broken by it …
  ASSERT_OK(run(commands, other_chair, on_cycle("launch-2", "2", testing::cmd::launch("2030-03-21"))));
  ASSERT_OK(run(commands, chair, on_cycle("contents", "1", testing::cmd::contents(), launched.version())));

  // … and a stale check is refused with the cycle's own version, saying nothing of cluster 2's events.
  auto stale = run(commands, chair, on_cycle("contents-again", "1", testing::cmd::contents(), 2));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, storage::errc::wrong_expected_version);
  EXPECT_EQ(stale.error().actual_version, 3u) << "opened, launched, contents adopted";
  EXPECT_EQ(stale.error().message.find("cycles/"), std::string::npos) << stale.error().message;
}

TEST_F(command_service_test, a_stream_moved_by_another_writer_checks_the_cycles_version_again) {
  engine::manual_wall_clock clock(1'900'000'000'000);
  command_service commands(*log_, clock);
  define_cluster(commands, "1", {"CA-A", "CA-B"});
  ASSERT_OK(
      run(commands, on_cycle("open-1", "1", testing::cmd::open("Cụm 1", {"CA-A", "CA-B"}, "CA-A", ""))));
  // Another writer of the log (not this service's pipeline) records cluster 3's opening in the same stream.
  domain::pb::Event other;
  other.set_cluster("3");
  *other.mutable_cycle_opened()->mutable_cycle() = testing::cmd::key("BCA", "dia-phuong", "3", 2030);
  auto* details = other.mutable_cycle_opened()->mutable_details();
  details->add_member_unit_ids("CA-P");
  details->add_member_unit_ids("CA-Q");
  details->set_chair_unit_id("CA-P");
  storage::append_request outside;
  outside.stream_id = "cycles/BCA/dia-phuong/2030";
  outside.command_id = "outside-1";
  outside.recorded_at_ms = clock.now_ms();
  outside.events.push_back({"CycleOpened", other.SerializeAsString()});
  ASSERT_OK(log_->append(std::move(outside)));

  chair.set_unit_id("CA-A");
  chair.set_role("CHAIR");
  // Cluster 1's cycle is still at version 1: the check holds, the command is decided again on the moved
  // stream.
  ASSIGN_OR_FAIL(launched,
                 run(commands, chair, on_cycle("launch", "1", testing::cmd::launch("2030-03-20"), 1)));
  EXPECT_EQ(launched.version(), 2u);
}

TEST_F(command_service_test, a_correction_names_its_event_by_log_position_and_finds_it_only_in_its_cycle) {
  engine::manual_wall_clock clock(1'900'000'000'000);
  command_service commands(*log_, clock);
  open_two_clusters(commands);
  ASSIGN_OR_FAIL(launched, run(commands, chair, on_cycle("launch", "1", testing::cmd::launch("2030-03-20"))));
  ASSIGN_OR_FAIL(other_launched,
                 run(commands, other_chair, on_cycle("launch-2", "2", testing::cmd::launch("2030-03-21"))));

  auto correction = [](const std::string& id, std::uint64_t position, bool forged) {
    domain::pb::Command c;
    c.mutable_correction()->set_corrects_position(position);
    c.mutable_correction()->set_corrects_event_type("LaunchConferenceHeld");
    c.mutable_correction()->set_reason("sai ngày: 19/3");
    if (forged) {  // a client claiming the target is cluster 1's launch
      c.mutable_correction()->mutable_target()->set_stream_version(3);
      c.mutable_correction()->mutable_target()->set_cluster("1");
      c.mutable_correction()->mutable_target()->set_type("LaunchConferenceHeld");
    }
    return on_cycle(id, "1", std::move(c));
  };
  // Cluster 2's launch (in the same year's stream), a registry event and a position past the head: not this
  // cycle's, with the same answer, whatever version the client claims.
  for (std::uint64_t position : {other_launched.first_position(), std::uint64_t{1}, std::uint64_t{9'999}}) {
    auto r = run(commands, chair, correction("fix-" + std::to_string(position), position, true));
    ASSERT_FALSE(r) << position;
    ASSERT_NE(engine::rejection_of(r.error()), nullptr) << r.error().message;
    EXPECT_EQ(engine::rejection_of(r.error())->code, "EVENT_NOT_IN_CYCLE") << position;
    EXPECT_EQ(r.error().field, "correction.corrects_position");
  }
  ASSIGN_OR_FAIL(fixed, run(commands, chair, correction("fix", launched.first_position(), false)));
  ASSIGN_OR_FAIL(stored, log_->read_all({fixed.first_position()}, 1));
  ASSERT_EQ(stored.size(), 1u);
  domain::pb::Event e;
  ASSERT_TRUE(e.ParseFromString(stored[0]->record.payload()));
  EXPECT_EQ(e.correction_recorded().details().corrects_position(), launched.first_position());
  ASSIGN_OR_FAIL(target, log_->read_all({launched.first_position()}, 1));
  const auto& found = e.correction_recorded().details().target();
  EXPECT_EQ(found.stream_version(), target[0]->record.stream_version());
  EXPECT_EQ(found.cluster(), "1");
  EXPECT_EQ(found.type(), "LaunchConferenceHeld");
  EXPECT_FALSE(found.by_organizer_office());
  EXPECT_FALSE(e.correction_recorded().by_organizer_office());
}

TEST_F(command_service_test,
       a_continued_pledge_is_the_one_the_previous_year_signed_whatever_the_client_says) {
  engine::manual_wall_clock clock(1'900'000'000'000);
  command_service commands(*log_, clock);
  open_two_clusters(
      commands);  // 2030: CA-A chairs cluster 1 (CA-A, CA-B), CA-X chairs cluster 2 (CA-X, CA-Y)
  pb::TokenGrant member_b = chair, member_y = other_chair;
  member_b.set_unit_id("CA-B");
  member_y.set_unit_id("CA-Y");
  auto in_year = [](pb::SubmitCommand c, unsigned year) {
    c.mutable_cycle()->mutable_cycle()->set_year(year);
    return c;
  };
  // Cluster 1 pledges for 2030–2031, cluster 2 for 2030 only.
  auto two_years = testing::cmd::contents();
  two_years.mutable_adopt_pledge_contents()->set_through_year(2031);
  for (auto [number, grant, pledge, other] :
       {std::tuple{"1", &chair, two_years, &member_b},
        std::tuple{"2", &other_chair, testing::cmd::contents(), &member_y}}) {
    const std::string n = number;
    ASSERT_OK(run(commands, *grant, on_cycle("launch-" + n, n, testing::cmd::launch("2030-03-30"))));
    ASSERT_OK(run(commands, *grant, on_cycle("contents-" + n, n, pledge)));
    ASSERT_OK(run(commands, *grant, on_cycle("sign-a-" + n, n, testing::cmd::sign(grant->unit_id()))));
    ASSERT_OK(run(commands, *other, on_cycle("sign-b-" + n, n, testing::cmd::sign(other->unit_id()))));
  }
  for (auto [number, members, grant] :
       {std::tuple{"1", std::vector<std::string>{"CA-A", "CA-B"}, &chair},
        std::tuple{"2", std::vector<std::string>{"CA-X", "CA-Y"}, &other_chair}}) {
    const std::string n = number;
    ASSERT_OK(run(commands, in_year(on_cycle("open-2031-" + n, n,
                                             testing::cmd::open("Cụm " + n, members, members[0], "")),
                                    2031)));
    ASSERT_OK(run(commands, *grant,
                  in_year(on_cycle("launch-2031-" + n, n, testing::cmd::launch("2031-03-20")), 2031)));
  }
  domain::pb::Command go_on;
  go_on.mutable_continue_pledge()->set_from_year(2030);
  // Cluster 2's chair claims a two-year pledge in force: the server reads 2030's and the cycle refuses.
  auto forged = go_on;
  forged.mutable_continue_pledge()->mutable_previous()->set_in_force(true);
  forged.mutable_continue_pledge()->mutable_previous()->set_through_year(2031);
  forged.mutable_continue_pledge()->mutable_previous()->add_member_unit_ids("CA-X");
  forged.mutable_continue_pledge()->mutable_previous()->add_member_unit_ids("CA-Y");
  auto refused = run(commands, other_chair, in_year(on_cycle("continue-2", "2", forged), 2031));
  ASSERT_FALSE(refused);
  ASSERT_NE(engine::rejection_of(refused.error()), nullptr) << refused.error().message;
  EXPECT_EQ(engine::rejection_of(refused.error())->code, "PLEDGE_NOT_CONTINUED");
  EXPECT_NE(refused.error().message.find("2030 only"), std::string::npos) << refused.error().message;
  ASSERT_OK(run(commands, chair, in_year(on_cycle("continue-1", "1", go_on), 2031)));
}

// A client that retries before the first answer came: both issues pass the look for an earlier one before
// either is recorded, and each carries a secret of its own. One token is issued; the other is answered as its
// repeat (its id, no secret), not COMMAND_ID_REUSED.
TEST_F(command_service_test, the_same_token_issue_sent_twice_at_once_is_one_issue_and_its_repeat) {
  engine::manual_wall_clock clock(0);
  command_service commands(*log_, clock);
  for (int round = 0; round < 20; ++round) {
    pb::SubmitCommand c;
    c.set_command_id("twice-" + std::to_string(round));
    auto* g = c.mutable_token()->mutable_issue();
    g->set_unit_id("CA-LaiChau");
    g->set_person_name("Lò Văn Páo");
    g->set_role("MEMBER");
    std::promise<result<pb::CommandAccepted>> a, b;
    commands.execute(office_, c, [&](result<pb::CommandAccepted> r) { a.set_value(std::move(r)); });
    commands.execute(office_, c, [&](result<pb::CommandAccepted> r) { b.set_value(std::move(r)); });
    auto ra = a.get_future().get(), rb = b.get_future().get();
    ASSERT_TRUE(ra) << round << ": " << ra.error().message;
    ASSERT_TRUE(rb) << round << ": " << rb.error().message;
    const auto& first = ra.value().duplicate() ? rb.value() : ra.value();
    const auto& repeat = ra.value().duplicate() ? ra.value() : rb.value();
    EXPECT_FALSE(first.duplicate());
    EXPECT_TRUE(repeat.duplicate());
    EXPECT_TRUE(repeat.token_secret().empty());
    EXPECT_EQ(repeat.token_id(), first.token_id());
  }
}

}  // namespace
}  // namespace thidua::api
