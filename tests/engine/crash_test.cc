// Kills a child that appends through the engine with SIGKILL at random moments, then checks that every
// acknowledged event survived byte for byte, the chain verifies, positions have no holes, every event is in
// the stream index and the command ids, and the projection equals a fresh rebuild.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "engine/projection_runner.h"
#include "tests/engine/balance_projection.h"
#include "tests/engine/read_model.h"
#include "tests/support/test_support.h"

namespace thidua {
namespace {

using thidua::testing::read_model;

// Runs the child for `run_for`, kills it, and returns what it acknowledged.
std::map<std::uint64_t, std::string> run_and_kill(const std::string& dir, int round,
                                                  std::chrono::milliseconds run_for) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(CRASH_CHILD_PATH, CRASH_CHILD_PATH, dir.c_str(), std::to_string(round).c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::thread killer([&] {
    std::this_thread::sleep_for(run_for);
    ::kill(pid, SIGKILL);
  });
  std::string all;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    all.append(buf, static_cast<std::size_t>(n));
  }
  killer.join();
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child should die by SIGKILL";
  std::map<std::uint64_t, std::string> acked;
  std::istringstream in(all);
  std::uint64_t pos;
  std::string hash;
  while (in >> pos >> hash) acked[pos] = hash;
  return acked;
}

TEST(crash, acknowledged_events_survive_sigkill_and_projections_equal_a_rebuild) {
  testing::temp_dir dir;
  const std::string path = dir.sub("db");
  std::mt19937 rng(20261122);
  std::map<std::uint64_t, std::string> acked_all;
  constexpr int rounds = 24;
  std::uint64_t indexed_before = 0;
  for (int round = 0; round < rounds; ++round) {
    auto acked = run_and_kill(path, round, std::chrono::milliseconds(100 + rng() % 400));
    acked_all.insert(acked.begin(), acked.end());
    // The child's spare size: a spare of another size would be removed at open.
    auto opened = storage::event_log::open(storage::log_options{.path = path, .wal_spare_bytes = 1 << 20});
    ASSERT_TRUE(opened) << "round " << round << ": " << opened.error().message;
    auto log = std::move(opened).value();
    for (const auto& [pos, hash] : acked_all) {
      auto ev = log->read_all({pos}, 1);
      ASSERT_TRUE(ev && !ev.value().empty())
          << "round " << round << ": acknowledged position " << pos << " lost";
      ASSERT_EQ(ev.value()[0]->pos().value, pos);
      ASSERT_EQ(storage::to_hex(ev.value()[0]->hash), hash) << "position " << pos << " changed";
    }
    auto report = log->verify({1}, {UINT64_MAX});
    ASSERT_TRUE(report);
    ASSERT_TRUE(report.value().ok) << report.value().what << " at " << report.value().first_bad.value;
    ASSERT_EQ(report.value().records, log->head().value) << "positions have holes";
    if (!acked_all.empty()) {
      ASSERT_GE(log->head().value, acked_all.rbegin()->first);
    }
    // The stream index and command ids are written beside the records' sync: whatever this round wrote must
    // be findable both ways after the restart.
    for (std::uint64_t pos = indexed_before + 1; pos <= log->head().value; pos += 256) {
      auto page = log->read_all({pos}, 256);
      ASSERT_TRUE(page) << page.error().message;
      for (const auto& ev : page.value()) {
        const auto& r = ev->record;
        auto in_stream = log->read_stream(r.stream_id(), {r.stream_version()}, 1);
        ASSERT_TRUE(in_stream && !in_stream.value().empty())
            << "round " << round << ": position " << r.position() << " is not in its stream's index";
        ASSERT_EQ(in_stream.value()[0]->pos().value, r.position());
        auto command = log->find_command(r.command_id());
        ASSERT_TRUE(command && command.value().has_value())
            << "round " << round << ": command " << r.command_id() << " is not in the index";
        ASSERT_LE(command.value()->first.value, r.position());
        ASSERT_GE(command.value()->last.value, r.position());
      }
    }
    indexed_before = log->head().value;

    testing::balance_projection resumed("balances");
    testing::balance_projection fresh("balances_rebuild");
    ASSERT_OK(log->reset_projection("balances_rebuild"));
    engine::projection_runner r1(*log, resumed), r2(*log, fresh);
    r1.start();
    r2.start();
    ASSERT_TRUE(r1.wait_for(log->head(), std::chrono::seconds(30)));
    ASSERT_TRUE(r2.wait_for(log->head(), std::chrono::seconds(30)));
    r1.stop();
    r2.stop();
    ASSERT_EQ(read_model(*log, "balances"), read_model(*log, "balances_rebuild")) << "round " << round;
  }
  EXPECT_GT(acked_all.size(), 100u) << "the child should have acknowledged something";
}

}  // namespace
}  // namespace thidua
