// Commands called as the CLI and tests call them: no socket; the wall clock is the one the service is handed.

#include "api/app/command_service.h"

#include <gtest/gtest.h>

#include <future>

#include "api/app/errc.h"
#include "engine/clock.h"
#include "tests/storage/log_fixture.h"
#include "tests/support/test_support.h"

namespace thidua::api {
namespace {

class command_service_test : public testing::log_fixture {
 protected:
  void SetUp() override {
    log_fixture::SetUp();
    office_.set_unit_id("BCA-X03");
    office_.set_person_name("Cán bộ thường trực");
    office_.set_role("ORGANIZER_OFFICE");
    office_.set_organizer_id("BCA");
  }

  result<pb::CommandAccepted> run(command_service& commands, pb::SubmitCommand c) {
    std::promise<result<pb::CommandAccepted>> done;
    commands.execute(office_, std::move(c),
                     [&](result<pb::CommandAccepted> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
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

  pb::TokenGrant office_;
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

}  // namespace
}  // namespace thidua::api
