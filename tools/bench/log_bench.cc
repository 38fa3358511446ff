// thidua-bench log: the event log against raw RocksDB on the same disk, in the same run.

#include <sys/resource.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "storage/event_log.h"
#include "storage/raw_baseline.h"
#include "tools/bench/bench.h"

namespace thidua::bench {
namespace {

using clock_type = std::chrono::steady_clock;

// CPU time of the whole process (all threads, user and system), to report CPU per event beside the rates.
double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct figure {
  std::string name;
  double per_second = 0;
  double baseline = 0;
};

}  // namespace

double log_appends(storage::event_log& log, int in_flight, std::size_t payload_bytes, double seconds,
                   const std::string& tag) {
  struct slot {
    std::string stream;
    std::uint64_t version = 0;
  };
  std::vector<slot> slots(in_flight);
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<bool> stop{false};
  std::atomic<int> active{in_flight};
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<std::uint64_t> seq{0};
  const std::string payload(payload_bytes, 'p');

  std::function<void(int)> submit = [&](int i) {
    storage::append_request r;
    r.stream_id = slots[i].stream;
    r.expected = storage::expected_version::exact({slots[i].version});
    r.command_id = tag + "-" + std::to_string(seq.fetch_add(1));
    r.recorded_at_ms = 1'700'000'000'000;
    r.actor.set_unit_id("bench-unit");
    r.actor.set_role("member");
    r.events.push_back({"Bench.Event", payload});
    log.append_async(std::move(r), [&, i](result<storage::append_result> res) {
      if (res) {
        slots[i].version = res.value().version.value;
        done.fetch_add(1, std::memory_order_relaxed);
      } else {
        failed.fetch_add(1);
      }
      if (stop.load(std::memory_order_relaxed) || !res) {
        if (active.fetch_sub(1) == 1) {
          std::lock_guard lk(mu);
          cv.notify_all();
        }
        return;
      }
      submit(i);
    });
  };
  for (int i = 0; i < in_flight; ++i) slots[i].stream = tag + "-stream-" + std::to_string(i);
  auto start = clock_type::now();
  for (int i = 0; i < in_flight; ++i) submit(i);
  while (seconds_since(start) < seconds) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::uint64_t counted = done.load();
  const double elapsed = seconds_since(start);
  stop = true;
  std::unique_lock lk(mu);
  cv.wait(lk, [&] { return active.load() == 0; });
  if (failed.load() != 0) {
    std::fprintf(stderr, "%llu appends failed\n", static_cast<unsigned long long>(failed.load()));
    std::exit(1);
  }
  return counted / elapsed;
}

namespace {

// Replay with every record decoded in place (the engine's fast path).
double log_replay(storage::event_log& log, std::uint64_t& count) {
  count = 0;
  std::uint64_t bytes = 0;
  auto start = clock_type::now();
  auto r = log.scan_views({1}, {UINT64_MAX}, [&](const storage::record_view& rec, const storage::hash256&) {
    bytes += rec.payload.size() + rec.stream_id.size();
    ++count;
    return true;
  });
  if (!r || bytes == 0) std::exit(1);
  return count / seconds_since(start);
}

// Replay into protobuf messages (one reused EventRecord), for comparison.
double log_replay_messages(storage::event_log& log) {
  std::uint64_t count = 0, bytes = 0;
  auto start = clock_type::now();
  auto r = log.scan({1}, {UINT64_MAX}, [&](const storage::pb::EventRecord& rec, const storage::hash256&) {
    bytes += rec.payload().size();
    ++count;
    return true;
  });
  if (!r || bytes == 0) std::exit(1);
  return count / seconds_since(start);
}

// How fast open re-indexes records (what it does after a crash for the records the index had not flushed):
// the index marks are removed behind the log's back, so the next open indexes the whole log again.
double index_rebuild(const std::string& path, std::uint64_t events) {
  if (auto r = storage::raw_baseline::forget_index_marks(path); !r) {
    std::fprintf(stderr, "index marks: %s\n", r.error().message.c_str());
    std::exit(1);
  }
  const auto start = clock_type::now();
  auto reopened = storage::event_log::open(storage::log_options{.path = path});
  if (!reopened) std::exit(1);
  return static_cast<double>(events) / seconds_since(start);
}

}  // namespace

int run_log(const args& a) {
  namespace fs = std::filesystem;
  fs::create_directories(a.dir);
  const std::string raw_path = a.dir + "/raw";
  const std::string log_path = a.dir + "/log";
  // The stored record carries ~146 bytes of frame and envelope (ids, actor, hashes) beside the payload.
  const std::size_t payload = a.event_bytes > 160 ? a.event_bytes - 146 : 16;

  std::vector<figure> figures;
  auto opened = storage::event_log::open(storage::log_options{.path = log_path});
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto log = std::move(opened).value();
  // For profiling one phase: THIDUA_BENCH_ONLY=append64 runs only 64 in flight and its baseline.
  const char* only_env = std::getenv("THIDUA_BENCH_ONLY");
  const std::string only = only_env ? only_env : "";
  if (!only.empty() && only != "append64") {
    std::fprintf(stderr, "THIDUA_BENCH_ONLY: unknown phase '%s' (known: append64)\n", only.c_str());
    return 2;
  }
  std::vector<int> in_flight_counts = {1, 16, 64};
  if (only == "append64") in_flight_counts = {64};
  std::uint64_t raw_key = 0;
  for (int n : in_flight_counts) {
    // Interleave the baseline and the log so drift on a noisy machine hits both alike.
    const double raw_cpu_before = cpu_seconds();
    const std::uint64_t raw_key_before = raw_key;
    const double raw =
        or_exit(storage::raw_baseline::synced_batches(raw_path, n, a.event_bytes, a.seconds / 2, raw_key),
                "raw batches");
    std::printf("  raw batches of %d: %.2f us CPU per event\n", n,
                (cpu_seconds() - raw_cpu_before) * 1e6 / double(raw_key - raw_key_before));
    const auto before = log->stats();
    const double cpu_before = cpu_seconds();
    const double ours = log_appends(*log, n, payload, a.seconds, "a" + std::to_string(n));
    const double cpu = cpu_seconds() - cpu_before;
    const auto after = log->stats();
    const double events = double(after.events - before.events);
    std::printf("  %d in flight: %.1f events per sync, %.1f events per batch, %.2f us CPU per event\n", n,
                events / double(after.syncs - before.syncs), events / double(after.batches - before.batches),
                cpu * 1e6 / events);
    const double raw2 =
        or_exit(storage::raw_baseline::synced_batches(raw_path, n, a.event_bytes, a.seconds / 2, raw_key),
                "raw batches");
    figures.push_back({"append, " + std::to_string(n) + " in flight (sync)", ours, (raw + raw2) / 2});
    if (n == 64) {
      const double spares = or_exit(storage::raw_baseline::synced_batches_on_spares(
                                        a.dir + "/raw-spares", n, a.event_bytes, a.seconds / 2),
                                    "raw batches on spares");
      std::printf(
          "  raw batches of 64 with WALs over zeroed spares: %.0f events/s (the log against it: %.2f)\n",
          spares, spares > 0 ? ours / spares : 0.0);
    }
  }
  if (!only.empty()) {
    for (auto& f : figures)
      std::printf("%-34s %14.0f %14.0f %8.2f\n", f.name.c_str(), f.per_second, f.baseline,
                  f.per_second / f.baseline);
    return 0;
  }
  {
    const auto st = log->stats();
    std::printf("  WAL files written over a zeroed spare: %llu, without one: %llu\n",
                static_cast<unsigned long long>(st.wal_files_on_spares),
                static_cast<unsigned long long>(st.wal_files_without_spare));
  }
  std::uint64_t stored_bytes = 0;
  {
    auto last = log->read_all({0}, 1, storage::direction::backward);
    if (last && !last.value().empty()) stored_bytes = last.value()[0]->record.ByteSizeLong() + 33;
  }
  const std::uint64_t events_in_log = log->head().value;
  log.reset();
  // Replay over the same database: the raw scan reads the events column family with a plain iterator.
  double raw_best = 0, ours_best = 0, messages_best = 0;
  std::uint64_t raw_count = 0, ours_count = 0;
  for (int round = 0; round < 2; ++round) {
    raw_best =
        std::max(raw_best, or_exit(storage::raw_baseline::scan_events(log_path, raw_count), "raw scan"));
    auto reopened = storage::event_log::open(storage::log_options{.path = log_path});
    if (!reopened) return 1;
    ours_best = std::max(ours_best, log_replay(*reopened.value(), ours_count));
    messages_best = std::max(messages_best, log_replay_messages(*reopened.value()));
  }
  figures.push_back({"replay (decoded records)", ours_best, raw_best});
  figures.push_back({"replay (protobuf messages)", messages_best, raw_best});
  const double reindex = index_rebuild(log_path, events_in_log);
  std::printf(
      "  index rebuild on open: %.0f events/s (after a crash: the records since the index last flushed)\n",
      reindex);

  std::printf("thidua-bench log: %llu events in the log, %llu bytes per stored event, dir %s\n",
              static_cast<unsigned long long>(events_in_log), static_cast<unsigned long long>(stored_bytes),
              a.dir.c_str());
  std::printf("%-34s %14s %14s %8s\n", "what", "events/s", "raw RocksDB/s", "ratio");
  for (auto& f : figures)
    std::printf("%-34s %14.0f %14.0f %8.2f\n", f.name.c_str(), f.per_second, f.baseline,
                f.per_second / f.baseline);
  std::printf("append64_vs_raw=%.2f replay_vs_raw=%.2f\n", figures[2].per_second / figures[2].baseline,
              figures[3].per_second / figures[3].baseline);
  return 0;
}

}  // namespace thidua::bench
