// The crash test's child: appends through the engine from several threads, with a projection running, until
// it is killed. On stdout it reports each append as the client sees it: "b <command id>" before the append is
// sent, "a <position> <command id> <account> <amount>" once it is acknowledged — the parent compares the log
// with these, the client's own copy. Any error stops it (exit 1, the error on stderr): the parent expects a
// death by SIGKILL only.
//
// With a journal path it runs on the power-cut file system (tests/support/power_cut_fs.h), which may be told
// to lie about WAL or directory syncs ("wal", "dirs"): the parent cuts the power after the kill.

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/command_pipeline.h"
#include "tests/engine/balance_projection.h"
#include "tests/support/power_cut_fs.h"

using namespace thidua;

namespace {

void say(const std::string& line) {
  // One write per line: lines from several threads never interleave (PIPE_BUF).
  if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(1);
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "crash_child: %s\n", what.c_str());
  ::_exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) {
    std::fprintf(stderr, "usage: crash_child DATA_DIR ROUND [JOURNAL none|wal|dirs]\n");
    return 2;
  }
  // Small WAL spares (storage/rocksdb/wal_files.h) so that kills also land in WALs written over zeroed files.
  storage::log_options options{.path = argv[1], .wal_spare_bytes = 1 << 20};
  if (argc == 5) {
    testing::sync_lies lies;
    lies.wal_files = std::strcmp(argv[4], "wal") == 0;
    lies.directories = std::strcmp(argv[4], "dirs") == 0;
    options.file_system = std::make_shared<testing::power_cut_fs>(argv[3], lies);
  }
  auto opened = storage::event_log::open(options);
  if (!opened) fail("open: " + opened.error().message);
  auto log = std::move(opened).value();
  testing::balance_projection projection("balances");
  engine::projection_runner runner(*log, projection,
                                   engine::runner_options{.batch_events = 64, .catch_up_batch_events = 64});
  runner.start();
  engine::command_pipeline<testing::account> pipeline(*log);
  const std::string round = argv[2];
  for (int a = 0; a < 8; ++a) {
    engine::command_envelope<testing::account> env;
    env.command_id = "open-" + std::to_string(a);  // idempotent across rounds
    env.command = {testing::account::command::open_account, std::to_string(a)};
    if (auto r = pipeline.execute(env); !r)
      fail("opening account " + std::to_string(a) + ": " + r.error().message);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t * 7919 + std::stoi(round));
      for (long i = 0;; ++i) {
        engine::command_envelope<testing::account> env;
        env.command_id = "r" + round + "-t" + std::to_string(t) + "-" + std::to_string(i);
        const auto account = rng() % 8;
        const long amount = 1 + long(rng() % 100);
        env.command = {testing::account::command::deposit, std::to_string(account), amount};
        say("b " + env.command_id + "\n");
        auto r = pipeline.execute(env);
        if (!r) fail("deposit " + env.command_id + ": " + r.error().message);
        say("a " + std::to_string(r.value().first.value) + " " + env.command_id + " " +
            std::to_string(account) + " " + std::to_string(amount) + "\n");
      }
    });
  }
  for (auto& t : threads) t.join();
  return 0;
}
