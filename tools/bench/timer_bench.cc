// thidua-bench timers: the engine's durable timers (engine/timer_service.h) on a decider of its own — one
// reminder per stream — beside the same commands without a timer, in the same run, on the same disk.

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/timer_service.h"
#include "storage/event_log.h"
#include "tools/bench/bench.h"

namespace thidua::bench {
namespace {

// A stream wants one reminder at `due_ms` once asked for it, until the reminder is sent.
struct reminder {
  struct state {
    std::int64_t due_ms = 0;
    bool sent = false;
  };
  struct command {
    enum kind { ask, note, send } what;
    std::string stream;
    std::int64_t due_ms = 0;
  };
  struct event {
    enum kind { asked, noted, sent } what;
    std::int64_t due_ms = 0;
  };
  using actor = std::string;
  struct rejection {
    std::string code, field, message_en, message_vi;
  };
  struct timer {
    std::string id;
    std::int64_t due_ms;
    command fires;
  };
  static state initial() { return {}; }
  static std::string stream_of(const command& c) { return c.stream; }
  static std::variant<std::vector<event>, rejection> decide(const state& s, const command& c, const actor&,
                                                            std::int64_t) {
    if (c.what == command::send && (s.sent || s.due_ms == 0)) return std::vector<event>{};
    return std::vector<event>{{static_cast<event::kind>(c.what), c.due_ms}};
  }
  static state evolve(state s, const event& e) {
    if (e.what == event::asked) s.due_ms = e.due_ms;
    if (e.what == event::sent) s.sent = true;
    return s;
  }
  static std::vector<timer> timers(const state& s, const command& c) {
    if (s.due_ms == 0 || s.sent) return {};
    return {{"remind", s.due_ms, {command::send, c.stream, 0}}};
  }
  static actor timer_actor() { return "timer"; }
  static std::optional<command> decode_command(std::string_view b) {
    const auto slash = b.rfind('/');
    if (b.size() < 2 || slash == std::string_view::npos || slash < 1) return std::nullopt;
    return command{static_cast<command::kind>(b[0] - '0'), std::string(b.substr(1, slash - 1)), 0};
  }
  static std::string encode_command(const command& c) {
    return std::to_string(c.what) + c.stream + "/" + std::to_string(c.due_ms);
  }
  static std::string event_type(const event& e) {
    static constexpr const char* names[] = {"Bench.Asked", "Bench.Noted", "Bench.Sent"};
    return names[e.what];
  }
  static std::string encode(const event& e) { return std::to_string(e.due_ms); }
  static std::optional<event> decode(std::string_view type, std::string_view bytes) {
    for (int k = 0; k < 3; ++k)
      if (event_type({static_cast<event::kind>(k)}) == type) {
        event e{static_cast<event::kind>(k), 0};
        std::from_chars(bytes.data(), bytes.data() + bytes.size(), e.due_ms);
        return e;
      }
    return std::nullopt;
  }
  static std::string actor_unit(const actor& a) { return a; }
  static std::string actor_person(const actor&) { return {}; }
  static std::string actor_role(const actor&) { return "bench"; }
};

constexpr std::int64_t due_at = 1'800'000'000'000;

// Runs jobs 0 … n-1, `in_flight` at once: start(i, done) begins job i and calls done() once it ended (on any
// thread). Seconds taken.
double run_in_flight(std::size_t n, std::size_t in_flight,
                     const std::function<void(std::size_t, std::function<void()>)>& start) {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t next = 0, finished = 0;
  std::function<void()> submit = [&] {
    std::size_t i;
    {
      std::lock_guard lk(mu);
      if (next == n) return;
      i = next++;
    }
    start(i, [&] {
      {
        std::lock_guard lk(mu);
        if (++finished == n) cv.notify_all();
      }
      submit();
    });
  };
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < in_flight; ++k) submit();
  std::unique_lock lk(mu);
  cv.wait(lk, [&] { return finished == n; });
  return seconds_since(t0);
}

// `n` commands of kind `what`, one per stream, `in_flight` at once through the pipeline: seconds taken.
double run_commands(engine::command_pipeline<reminder>& pipeline, reminder::command::kind what, std::size_t n,
                    std::size_t in_flight, const std::string& tag) {
  std::atomic<std::uint64_t> failed{0};
  const double seconds = run_in_flight(n, in_flight, [&](std::size_t i, std::function<void()> done) {
    engine::command_envelope<reminder> env;
    env.command_id = tag + std::to_string(i);
    env.command = {what, tag + "/" + std::to_string(i), due_at + static_cast<std::int64_t>(i % 1000)};
    env.actor = "bench";
    pipeline.execute_async(std::move(env), [&failed, done](result<engine::command_result> r) {
      if (!r) failed.fetch_add(1);
      done();
    });
  });
  if (failed)
    std::fprintf(stderr, "%s: %llu commands failed\n", tag.c_str(),
                 static_cast<unsigned long long>(failed.load()));
  return seconds;
}

// `n` appends straight to the log, each setting one timer or none: seconds taken.
double run_appends(storage::event_log& log, std::size_t n, bool with_timer, std::size_t in_flight) {
  return run_in_flight(n, in_flight, [&](std::size_t i, std::function<void()> done) {
    storage::append_request r;
    r.stream_id = "s/" + std::to_string(i);
    r.command_id = "c" + std::to_string(i);
    r.recorded_at_ms = 1'700'000'000'000;
    r.events.push_back({"Bench.Asked", std::string(100, 'p')});
    if (with_timer)
      r.timers_set.push_back({"", "remind", due_at + static_cast<std::int64_t>(i % 86'400'000),
                              "2s/" + std::to_string(i) + "/0"});
    log.append_async(std::move(r), [done](result<storage::append_result>) { done(); });
  });
}

std::uint64_t dir_bytes(const std::string& dir) {
  std::uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    // The zeroed WAL spares are the same for both logs and say nothing of timers.
    if (e.is_regular_file() && e.path().parent_path().filename() != "wal-spares") total += e.file_size();
  }
  return total;
}

// Resident memory now (not the peak: the first phase's would hide the second's).
long rss_kib() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

}  // namespace

int run_timers(const args& a) {
  std::filesystem::create_directories(a.dir);
  const std::size_t due_together = 100'000;
  const std::size_t scheduled = a.events;
  engine::manual_wall_clock clock(due_at - 60'000);

  // 1. Commands that set a timer, beside the same number that set none, then all due in the same second.
  auto log =
      or_exit(storage::event_log::open(storage::log_options{.path = a.dir + "/fire"}), "opening the log");
  double fire_seconds = 0, with_timer = 0, without_timer = 0;
  engine::timer_stats stats;
  {
    engine::command_pipeline<reminder> pipeline(*log, {.cache_streams = 2 * due_together + 16});
    engine::timer_service<reminder> timers(pipeline, *log, clock, {.page = 4096});
    without_timer = run_commands(pipeline, reminder::command::note, due_together, 256, "n");
    with_timer = run_commands(pipeline, reminder::command::ask, due_together, 256, "a");
    clock.set(due_at + 1000);
    const auto t0 = std::chrono::steady_clock::now();
    const auto fired = or_exit(timers.fire_due(), "firing");
    fire_seconds = seconds_since(t0);
    stats = timers.stats();
    if (fired != due_together || stats.recorded != due_together)
      std::fprintf(stderr, "fired %zu, recorded %llu of %zu\n", fired,
                   static_cast<unsigned long long>(stats.recorded), due_together);
  }
  log.reset();

  // 2. What a million scheduled timers cost on disk: the same appends with and without one.
  double appends_plain = 0, appends_timed = 0;
  std::uint64_t plain_bytes = 0, timed_bytes = 0;
  {
    auto plain = or_exit(storage::event_log::open(storage::log_options{.path = a.dir + "/plain"}), "opening");
    appends_plain = run_appends(*plain, scheduled, false, 256);
  }
  const long rss_plain = rss_kib();
  {
    auto timed = or_exit(storage::event_log::open(storage::log_options{.path = a.dir + "/timed"}), "opening");
    appends_timed = run_appends(*timed, scheduled, true, 256);
    const auto t0 = std::chrono::steady_clock::now();
    auto next = or_exit(timed->next_timer_due(), "next timer");
    const double next_ms = seconds_since(t0) * 1000;
    std::printf("timers: next due of %zu scheduled found in %.2f ms (%s)\n", scheduled, next_ms,
                next ? "found" : "none");
  }
  const long rss_timed = rss_kib();
  plain_bytes = dir_bytes(a.dir + "/plain");
  timed_bytes = dir_bytes(a.dir + "/timed");

  std::printf(
      "timers: %zu commands setting a timer %.0f/s, beside the same commands setting none %.0f/s (%.2fx)\n",
      due_together, due_together / with_timer, due_together / without_timer, without_timer / with_timer);
  std::printf(
      "timers: %zu timers due in the same second fired and recorded in %.2f s (%.0f/s, %.2fx the "
      "commands' rate above); %llu recorded, %llu removed, %llu failed\n",
      due_together, fire_seconds, due_together / fire_seconds,
      (due_together / fire_seconds) / (due_together / without_timer),
      static_cast<unsigned long long>(stats.recorded), static_cast<unsigned long long>(stats.removed),
      static_cast<unsigned long long>(stats.failed));
  std::printf(
      "timers: %zu appends with a timer each %.0f/s, without %.0f/s (%.2fx); on disk %.1f MiB vs %.1f MiB: "
      "%.0f bytes per timer; resident memory after each: %.0f MiB (with), %.0f MiB (without)\n",
      scheduled, scheduled / appends_timed, scheduled / appends_plain, appends_plain / appends_timed,
      timed_bytes / 1048576.0, plain_bytes / 1048576.0,
      (static_cast<double>(timed_bytes) - static_cast<double>(plain_bytes)) / static_cast<double>(scheduled),
      rss_timed / 1024.0, rss_plain / 1024.0);
  return 0;
}

}  // namespace thidua::bench
