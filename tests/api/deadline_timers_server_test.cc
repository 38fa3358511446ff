// The real server and its deadline timers: deadlines that passed while it was down are noted when it starts,
// before it listens, each once — and not again at the next start, nor after a SIGKILL in the middle of
// firing them.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <thread>

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

// Clusters 100… of 2024, each of four units of its own, opened on 10 January 2024: at a start today each has
// four overdue notices to record and four reminders that record nothing.
void open_many_clusters_in_january_2024(const std::string& data_dir, int clusters) {
  auto log = storage::event_log::open(storage::log_options{.path = data_dir});
  ASSERT_TRUE(log);
  engine::command_pipeline<domain::cycle_decider> cycles(*log.value());
  const std::int64_t january = domain::vietnam_midnight_ms("2024-01-10") + 9 * 3'600'000LL;
  for (int i = 0; i < clusters; ++i) {
    const std::string n = std::to_string(100 + i);
    const std::string u = "CA-" + n + "-";
    pb::Command open =
        cmd::open("Cụm thi đua số " + n, {u + "A", u + "B", u + "C", u + "D"}, u + "A", u + "B");
    *open.mutable_cycle() = cmd::key("BCA", "dia-phuong", n, 2024);
    ASSERT_OK(cycles.execute({"open-" + n, organizer(), open, january, std::nullopt, {}, {}, {}}));
  }
}

// How many times each (cluster, step) was noted overdue in the log, and how many timers are left.
struct noted {
  std::map<std::string, int> overdue;  // "<cluster> <step>" → times recorded
  std::size_t timers_left = 0;
  std::size_t reminders = 0;
};
noted noted_in(const std::string& data_dir) {
  noted out;
  auto log = storage::event_log::open(storage::log_options{.path = data_dir});
  EXPECT_TRUE(log) << (log ? "" : log.error().message);
  if (!log) return out;
  for (std::uint64_t from = 1;;) {
    auto events = log.value()->read_stream(stream, {from}, 1000);
    EXPECT_TRUE(events);
    if (!events || events.value().empty()) break;
    for (const auto& e : events.value()) {
      const auto d = domain::cycle_decider::decode(e->record.event_type(), e->record.payload());
      if (d && d->has_step_overdue()) ++out.overdue[d->cluster() + " " + d->step_overdue().step()];
      if (d && d->has_deadline_approaching()) ++out.reminders;
    }
    from += events.value().size();
  }
  auto left = log.value()->due_timers(std::numeric_limits<std::int64_t>::max(), 100'000);
  EXPECT_TRUE(left);
  if (left) out.timers_left = left.value().size();
  return out;
}

// Starts the server on `data_dir` and SIGKILLs it `after` (it may not have finished, or even begun, firing).
void start_and_kill(const std::string& data_dir, std::chrono::milliseconds after) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    std::string path = SERVER_PATH;
    std::vector<std::string> args = {path, "--port", "0", "--no-demo", "--data-dir", data_dir};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(after);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) << status;
}

TEST(deadline_timers_server,
     a_sigkill_while_firing_leaves_each_notice_recorded_once_and_the_rest_for_the_next_start) {
  temp_dir dir;
  const std::string data = dir.sub("data");
  constexpr int clusters = 150;
  constexpr std::size_t all = clusters * 4;
  open_many_clusters_in_january_2024(data, clusters);
  std::mt19937 rng(20241205);
  // Kill sooner or later at random; later each time the server did not get as far as firing, so that the
  // kills walk into the firing and land in the middle of it.
  int window_ms = 150;
  int killed_while_firing = 0;
  std::size_t before = 0;
  for (int round = 0; round < 40 && before < all; ++round) {
    start_and_kill(data, std::chrono::milliseconds(window_ms / 2 + rng() % window_ms));
    const auto n = noted_in(data);
    for (const auto& [what, times] : n.overdue)
      ASSERT_EQ(times, 1) << what << " noted twice, round " << round;
    EXPECT_EQ(n.reminders, 0u) << "reminders of deadlines long past were sent late";
    if (n.overdue.size() > before && n.overdue.size() < all) ++killed_while_firing;
    if (n.overdue.size() == before) window_ms += window_ms / 2;
    before = n.overdue.size();
  }
  EXPECT_GE(killed_while_firing, 2) << "the kills never landed while the timers were firing";
  {
    server_process server(data, {"--no-demo"});
    ASSERT_NE(server.port(), 0) << server.output();
    EXPECT_EQ(server.terminate(), 0);
  }
  const auto n = noted_in(data);
  EXPECT_EQ(n.overdue.size(), all);
  for (const auto& [what, times] : n.overdue) EXPECT_EQ(times, 1) << what;
  EXPECT_EQ(n.timers_left, 0u) << "every timer fired and went";
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
