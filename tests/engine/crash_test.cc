// Kills a child that appends through the engine at a random moment after its first acknowledgement, then
// checks the log against what the child, as a client, was told: every acknowledged append is there with the
// command id and payload the client submitted, the chain verifies, positions have no holes, every event is in
// the stream index and the command ids, and the projection equals a fresh rebuild.
//
// A SIGKILL leaves the kernel's page cache whole, so it proves nothing about syncs. The power-cut rounds run
// the child on tests/support/power_cut_fs.h and, after the kill, drop everything that was not synced; the
// tests that make the file system lie about syncs show that those rounds can fail.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "engine/projection_runner.h"
#include "tests/engine/balance_projection.h"
#include "tests/engine/read_model.h"
#include "tests/support/power_cut_fs.h"
#include "tests/support/test_support.h"

namespace thidua {
namespace {

using clock_type = std::chrono::steady_clock;

// What the client submitted, and the position it was told.
struct acknowledged {
  std::string command_id;
  std::string account;
  long amount = 0;
};

struct child_run {
  std::map<std::uint64_t, acknowledged> acked;
  std::size_t in_flight = 0;  // appends sent and not acknowledged when the child died
  std::string failure;        // how the child did not die as planned
};

struct power_cut {
  std::string journal;  // empty: a SIGKILL only
  std::string lies = "none";
};

// Runs the child, kills it with SIGKILL `after` its first acknowledgement, and returns what it was told.
child_run run_and_kill(const std::string& dir, int round, std::chrono::milliseconds after,
                       const power_cut& cut) {
  child_run run;
  int fds[2];
  if (::pipe(fds) != 0) {
    run.failure = "pipe failed";
    return run;
  }
  const std::string round_arg = std::to_string(round);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    if (cut.journal.empty())
      ::execl(CRASH_CHILD_PATH, CRASH_CHILD_PATH, dir.c_str(), round_arg.c_str(), nullptr);
    else
      ::execl(CRASH_CHILD_PATH, CRASH_CHILD_PATH, dir.c_str(), round_arg.c_str(), cut.journal.c_str(),
              cut.lies.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string all;
  bool killed = false;
  // The first acknowledgement must come within this (a slow, sanitized open included).
  clock_type::time_point kill_at = clock_type::now() + std::chrono::seconds(60);
  bool first_seen = false;
  char buf[65536];
  for (;;) {
    if (!killed && clock_type::now() >= kill_at) {
      if (!first_seen) run.failure = "no acknowledgement within 60 s";
      ::kill(pid, SIGKILL);
      killed = true;
    }
    if (!killed) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - clock_type::now());
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::max<long>(0, left.count()))) == 0) continue;
    }
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    all.append(buf, static_cast<std::size_t>(n));
    if (!first_seen && (all.rfind("a ", 0) == 0 || all.find("\na ") != std::string::npos)) {
      first_seen = true;
      kill_at = clock_type::now() + after;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) && run.failure.empty())
    run.failure = "the child did not die by SIGKILL (status " + std::to_string(status) + "); see its stderr";
  std::set<std::string> begun;
  std::istringstream in(all);
  for (std::string line; std::getline(in, line);) {
    if (in.eof()) break;  // a torn last line: the kill came in the middle of it
    std::istringstream fields(line);
    std::string tag;
    fields >> tag;
    if (tag == "b") {
      std::string id;
      fields >> id;
      begun.insert(id);
    } else if (tag == "a") {
      std::uint64_t pos = 0;
      acknowledged a;
      fields >> pos >> a.command_id >> a.account >> a.amount;
      begun.erase(a.command_id);
      run.acked[pos] = a;
    }
  }
  run.in_flight = begun.size();
  return run;
}

// The first way the log differs from what its clients were told, or "" when it does not.
std::string check_log(const std::string& path, const std::map<std::uint64_t, acknowledged>& acked,
                      std::uint64_t& indexed_before) {
  // The child's spare size: a spare of another size would be removed at open.
  auto opened = storage::event_log::open(storage::log_options{.path = path, .wal_spare_bytes = 1 << 20});
  if (!opened) return "the log does not open: " + opened.error().message;
  auto log = std::move(opened).value();
  for (const auto& [pos, a] : acked) {
    auto ev = log->read_all({pos}, 1);
    if (!ev || ev.value().empty() || ev.value()[0]->pos().value != pos)
      return "acknowledged position " + std::to_string(pos) + " (" + a.command_id + ") lost";
    const auto& r = ev.value()[0]->record;
    auto decoded = testing::account::decode(r.event_type(), r.payload());
    if (r.command_id() != a.command_id || r.stream_id() != "account-" + a.account || !decoded ||
        decoded->what != testing::account::event::deposited || decoded->amount != a.amount)
      return "position " + std::to_string(pos) + " holds " + r.command_id() + " " + r.stream_id() + " " +
             r.event_type() + " " + r.payload() + ", the client was told " + a.command_id + " account-" +
             a.account + " " + std::to_string(a.amount);
  }
  auto report = log->verify({1}, {UINT64_MAX});
  if (!report) return "verify: " + report.error().message;
  if (!report.value().ok)
    return "the chain breaks at " + std::to_string(report.value().first_bad.value) + ": " +
           report.value().what;
  if (report.value().records != log->head().value) return "positions have holes";
  if (!acked.empty() && log->head().value < acked.rbegin()->first)
    return "the head is below an acknowledgement";
  // The stream index and command ids are written beside the records' sync: whatever this round wrote must be
  // findable both ways after the restart.
  for (std::uint64_t pos = indexed_before + 1; pos <= log->head().value; pos += 256) {
    auto page = log->read_all({pos}, 256);
    if (!page) return page.error().message;
    for (const auto& ev : page.value()) {
      const auto& r = ev->record;
      auto in_stream = log->read_stream(r.stream_id(), {r.stream_version()}, 1);
      if (!in_stream || in_stream.value().empty() || in_stream.value()[0]->pos().value != r.position())
        return "position " + std::to_string(r.position()) + " is not in its stream's index";
      auto command = log->find_command(r.command_id());
      if (!command || !command.value().has_value() || command.value()->first.value > r.position() ||
          command.value()->last.value < r.position())
        return "command " + r.command_id() + " is not in the index";
    }
  }
  indexed_before = log->head().value;

  testing::balance_projection resumed("balances");
  testing::balance_projection fresh("balances_rebuild");
  if (!log->reset_projection("balances_rebuild")) return "resetting the rebuild failed";
  engine::projection_runner r1(*log, resumed), r2(*log, fresh);
  r1.start();
  r2.start();
  const bool caught_up = r1.wait_for(log->head(), std::chrono::seconds(60)) &&
                         r2.wait_for(log->head(), std::chrono::seconds(60));
  r1.stop();
  r2.stop();
  if (!caught_up) return "a projection did not catch up within 60 s";
  if (testing::read_model(*log, "balances") != testing::read_model(*log, "balances_rebuild"))
    return "the resumed projection differs from a rebuild";
  return "";
}

struct rounds_result {
  std::string failure;
  int round = -1;
  std::size_t acked = 0;
  std::size_t cuts_with_appends_in_flight = 0;
  std::uint64_t writes_dropped = 0;
  std::size_t spare_renames_undone = 0;  // a spare renamed to a WAL's name, the rename lost in the cut
};

// Leaves a spare as the log prepares them (storage/rocksdb/wal_files.h: zeros of the spare size, named
// spare-N), so that the next open writes its WAL over it.
void leave_a_spare(const std::string& path, int n) {
  const auto dir = std::filesystem::path(path) / "wal-spares";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / ("spare-" + std::to_string(1000 + n)), std::ios::binary) << std::string(1 << 20, '\0');
}

// `lies` ("none", "wal", "dirs"; null: SIGKILL only, no power cut) from round `lie_from` on; a lying round
// writes its WAL over a spare.
rounds_result run_rounds(int rounds, const char* lies, std::uint32_t seed, int lie_from = 0) {
  testing::temp_dir dir;
  const std::string path = dir.sub("db");
  std::mt19937 rng(seed);
  std::map<std::uint64_t, acknowledged> acked_all;
  std::uint64_t indexed_before = 0;
  rounds_result out;
  for (int round = 0; round < rounds; ++round) {
    power_cut cut;
    if (lies != nullptr) {
      cut.journal = dir.sub("journal-" + std::to_string(round));
      cut.lies = round >= lie_from ? lies : "none";
      // Lying rounds, and every other honest one, write their WAL over a spare.
      if (cut.lies != "none" || round % 2 == 1) leave_a_spare(path, round);
    }
    auto run = run_and_kill(path, round, std::chrono::milliseconds(50 + rng() % 300), cut);
    out.round = round;
    if (!run.failure.empty()) {
      out.failure = run.failure;
      return out;
    }
    if (run.acked.empty()) {
      out.failure = "round " + std::to_string(round) + " acknowledged nothing";
      return out;
    }
    out.acked += run.acked.size();
    acked_all.insert(run.acked.begin(), run.acked.end());
    if (!cut.journal.empty()) {
      if (run.in_flight > 0) ++out.cuts_with_appends_in_flight;
      auto cut_report = testing::cut_power(cut.journal);
      if (!cut_report.error.empty()) {
        out.failure = "cutting the power: " + cut_report.error;
        return out;
      }
      out.writes_dropped += cut_report.writes_dropped;
      for (const auto& [from, to] : cut_report.renames_undone)
        if (from.find("/wal-spares/spare-") != std::string::npos && to.ends_with(".log"))
          ++out.spare_renames_undone;
    }
    out.failure = check_log(path, acked_all, indexed_before);
    if (!out.failure.empty()) return out;
  }
  return out;
}

TEST(crash, acknowledged_events_survive_sigkill_and_projections_equal_a_rebuild) {
  const auto r = run_rounds(16, nullptr, 20261122);
  EXPECT_EQ(r.failure, "") << "round " << r.round;
  EXPECT_GT(r.acked, 100u);
}

TEST(crash, acknowledged_events_survive_a_power_cut) {
  const auto r = run_rounds(12, "none", 20261204);
  EXPECT_EQ(r.failure, "") << "round " << r.round;
  // Every cut came while the child's threads were appending; nearly every one with an append sent and not
  // yet acknowledged (the threads send the next one as soon as one returns).
  EXPECT_GE(r.cuts_with_appends_in_flight, 10u);
  EXPECT_GT(r.writes_dropped, 0u) << "the cuts dropped nothing: they proved nothing";
}

// The proof that the power-cut test can fail: with the WALs' syncs turned into no-ops by the test file
// system, an acknowledged append is lost at the first cut.
TEST(crash, the_power_cut_test_fails_when_wal_syncs_do_nothing) {
  // The first round is honest: the log and its spares exist before the lies start.
  const auto r = run_rounds(3, "wal", 20261205, 1);
  EXPECT_NE(r.failure.find("acknowledged position"), std::string::npos) << r.failure;
  EXPECT_GE(r.round, 1) << "the failure must come from a round that lied";
}

// Same for directory syncs: the rename of a spare to a WAL's name is lost, and the WAL's records with it.
TEST(crash, the_power_cut_test_fails_when_directory_syncs_do_nothing) {
  const auto r = run_rounds(3, "dirs", 20261206, 1);
  EXPECT_GT(r.spare_renames_undone, 0u) << "the lying round wrote its WAL over a spare: that rename was lost";
  EXPECT_NE(r.failure.find("acknowledged position"), std::string::npos) << r.failure;
  EXPECT_GE(r.round, 1) << "the failure must come from a round that lied";
}

}  // namespace
}  // namespace thidua
