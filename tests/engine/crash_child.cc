// The crash test's child: appends through the engine from several threads, with a projection running, and
// reports every acknowledged event as "position hash\n" on stdout until it is killed.

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/command_pipeline.h"
#include "tests/engine/balance_projection.h"

using namespace thidua;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: crash_child DATA_DIR ROUND\n");
    return 2;
  }
  // Small WAL spares (storage/rocksdb/wal_files.h) so that kills also land in WALs written over zeroed files.
  auto opened = storage::event_log::open(storage::log_options{.path = argv[1], .wal_spare_bytes = 1 << 20});
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto log = std::move(opened).value();
  testing::balance_projection projection("balances");
  engine::projection_runner runner(*log, projection, engine::runner_options{.batch_events = 64});
  runner.start();
  engine::command_pipeline<testing::account> pipeline(*log);
  const std::string round = argv[2];
  for (int a = 0; a < 8; ++a) {
    engine::command_envelope<testing::account> env;
    env.command_id = "open-" + std::to_string(a);  // idempotent across rounds
    env.command = {testing::account::command::open_account, std::to_string(a)};
    if (!pipeline.execute(env)) return 1;
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t * 7919 + std::stoi(round));
      for (long i = 0;; ++i) {
        engine::command_envelope<testing::account> env;
        env.command_id = "r" + round + "-t" + std::to_string(t) + "-" + std::to_string(i);
        env.command = {testing::account::command::deposit, std::to_string(rng() % 8), 1 + long(rng() % 100)};
        auto r = pipeline.execute(env);
        if (!r) continue;
        auto events = log->read_all(r.value().first, 1);
        if (!events || events.value().empty()) continue;
        // One write per line: lines from several threads never interleave (PIPE_BUF).
        std::string line =
            std::to_string(r.value().first.value) + " " + storage::to_hex(events.value()[0]->hash) + "\n";
        if (::write(STDOUT_FILENO, line.data(), line.size()) < 0) return;
      }
    });
  }
  for (auto& t : threads) t.join();
  return 0;
}
