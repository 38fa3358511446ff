// The real server and its deadline timers: deadlines that passed while it was down are noted when it starts,
// before it listens, each once — and not again at the next start.

#include <gtest/gtest.h>

#include "domain/cycle_decider.h"
#include "domain/deadline_timers.h"
#include "engine/command_pipeline.h"
#include "tests/api/api_support.h"
#include "tests/domain/commands.h"
#include "tests/domain/cycle_harness.h"

namespace thidua::testing {
namespace {

const std::string stream = "cycles/BCA/dia-phuong/2024";

// A log where Cluster 9 of 2024 was opened on 10 January 2024 (so its deadlines were all ahead then) and
// nothing more was recorded.
void open_cluster_9_in_january_2024(const std::string& data_dir) {
  auto log = storage::event_log::open(storage::log_options{.path = data_dir});
  ASSERT_TRUE(log);
  engine::command_pipeline<domain::cycle_decider> cycles(*log.value());
  pb::Command open = cmd::open("Cụm thi đua số 9", {"CA-A", "CA-B", "CA-C", "CA-D"}, "CA-A", "CA-B");
  *open.mutable_cycle() = cmd::key("BCA", "dia-phuong", "9", 2024);
  const std::int64_t january = domain::vietnam_midnight_ms("2024-01-10") + 9 * 3'600'000LL;
  ASSERT_OK(cycles.execute({"open-9-2024", organizer(), open, january, std::nullopt, {}, {}, {}}));
}

std::vector<std::string> notices(const std::string& data_dir) {
  auto log = storage::event_log::open(storage::log_options{.path = data_dir});
  EXPECT_TRUE(log);
  if (!log) return {};
  auto events = log.value()->read_stream(stream, {1}, 100);
  EXPECT_TRUE(events);
  std::vector<std::string> out;
  for (const auto& e : events.value()) {
    const auto d = domain::cycle_decider::decode(e->record.event_type(), e->record.payload());
    if (d && d->has_step_overdue()) out.push_back("overdue " + d->step_overdue().step());
    if (d && d->has_deadline_approaching()) out.push_back("reminder " + d->deadline_approaching().step());
  }
  auto left = log.value()->due_timers(std::numeric_limits<std::int64_t>::max(), 10);
  EXPECT_TRUE(left && left.value().empty()) << "every timer fired and went";
  return out;
}

TEST(deadline_timers_server, deadlines_passed_while_down_are_noted_once_at_start_without_late_reminders) {
  temp_dir dir;
  const std::string data = dir.sub("data");
  open_cluster_9_in_january_2024(data);
  {
    server_process server(data, {"--no-demo"});
    ASSERT_NE(server.port(), 0) << server.output();
    // Four steps, each with a reminder (past: records nothing) and an overdue notice.
    EXPECT_NE(server.output().find("8 deadline timers were due while the server was down: fired"),
              std::string::npos)
        << server.output();
    EXPECT_EQ(server.terminate(), 0);
  }
  const std::vector<std::string> expected{"overdue launch", "overdue mid_year_review",
                                          "overdue year_end_summary", "overdue nominations"};
  EXPECT_EQ(notices(data), expected);
  {
    server_process again(data, {"--no-demo"});
    ASSERT_NE(again.port(), 0) << again.output();
    EXPECT_EQ(again.output().find("were due while the server was down"), std::string::npos) << again.output();
    EXPECT_EQ(again.terminate(), 0);
  }
  EXPECT_EQ(notices(data), expected);
}

}  // namespace
}  // namespace thidua::testing

namespace thidua::testing {
namespace {

class deadline_notices_api : public demo_server_test {};

TEST_F(deadline_notices_api, a_client_cannot_record_a_deadline_notice_not_even_the_organizers_office) {
  for (const char* who : {"ORGANIZER_OFFICE BCA-X03", "MEMBER CA-SonLa"}) {
    const auto refused = http_post(
        server.port(), "/v1/commands",
        R"({"command_id":"fake-notice","cycle":{"cycle":{"organizer_id":"BCA","series":"dia-phuong","number":"II","year":2023},)"
        R"("note_deadline":{"step":"launch","notice":"NOTICE_OVERDUE","date":"2023-03-31"}}})",
        tokens.at(who));
    EXPECT_NE(http_status(refused), 200u) << refused;
    EXPECT_NE(refused.find("\"code\":\"FORBIDDEN_ROLE\""), std::string::npos) << who << ": " << refused;
    EXPECT_NE(refused.find("\"field\":\"note_deadline\""), std::string::npos) << refused;
  }
}

}  // namespace
}  // namespace thidua::testing
