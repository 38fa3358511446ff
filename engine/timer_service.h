#pragma once
// Fires durable timers (engine/decider.h, schedules_timers) when they come due, exactly once.
//
// A timer is kept in the log with the events that set it (storage::event_log::due_timers). When it is due,
// its command is decided and appended through the pipeline like any other, under a command id made from the
// timer (stream, id, due time) in the scope "timer": a crash between firing and recording fires it again at
// start, and the repeat is answered with the first result, so its events are recorded once. The events that
// record it also make the timer unwanted, so the same append removes it; a firing that records nothing
// (refused, or nothing to do any more) removes it afterwards. A timer due while the server was down fires
// when the service starts. Time is the injected wall clock: tests advance it and call fire_due.
//
// Concurrency: fire_due runs on the caller's thread, or on the service's own thread after start(); not on
// both at once (start() and fire_due are for different uses: a server, a test). Lifecycle: stop() (or the
// destructor) before the pipeline and the log go.

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/clock.h"
#include "engine/command_pipeline.h"
#include "engine/timer_stats.h"
#include "engine/timers.h"

namespace thidua::engine {

struct timer_options {
  // The longest the service sleeps between looks at what is due (a timer set meanwhile, or a clock that
  // jumped, is seen within this). Default: 1 s.
  std::chrono::milliseconds poll{1000};
  // Timers fired at once (their commands in the pipeline together). Default: 1,024.
  std::size_t page = 1024;
};

// The command id a timer fires under (the same every time it fires): "<stream>/<id>@<due_ms>", or its
// SHA-256 in hex when that would be too long for a command id.
std::string timer_command_id(const storage::timer_entry& t);

template <decider D>
requires schedules_timers<D>
class timer_service {
 public:
  timer_service(command_pipeline<D>& pipeline, storage::event_log& log, const wall_clock& clock,
                timer_options options = {})
      : pipeline_(pipeline), log_(log), clock_(clock), options_(options) {}
  ~timer_service() { stop(); }
  timer_service(const timer_service&) = delete;
  timer_service& operator=(const timer_service&) = delete;

  // Fires every timer due at the clock's time now, page by page, and waits for their commands. Returns how
  // many fired. A page that fired nothing it could settle ends the round (tried again on the next).
  result<std::size_t> fire_due() {
    std::size_t total = 0;
    for (;;) {
      auto due = log_.due_timers(clock_.now_ms(), options_.page);
      if (!due) return due.error();
      const auto& timers = due.value();
      if (timers.empty()) return total;
      const std::size_t settled = fire(timers);
      total += timers.size();
      if (settled == 0 || timers.size() < options_.page) return total;
    }
  }

  // Fires due timers on a thread of the service's own until stop(): at once (those due while the server was
  // down), then as they come due.
  void start() {
    std::lock_guard lk(mu_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
  }
  timer_stats stats() const {
    std::lock_guard lk(stats_mu_);
    return stats_;
  }

 private:
  // Fires one page together; returns how many were settled (recorded, repeated or removed).
  std::size_t fire(const std::vector<storage::timer_entry>& timers) {
    std::vector<std::future<result<command_result>>> answers;
    std::vector<bool> decided(timers.size(), false);
    answers.reserve(timers.size());
    for (std::size_t i = 0; i < timers.size(); ++i) {
      const auto& t = timers[i];
      auto command = D::decode_command(t.payload);
      auto promise = std::make_shared<std::promise<result<command_result>>>();
      answers.push_back(promise->get_future());
      if (!command) {
        // Nothing can be decided of it, ever: it is removed, and counted.
        promise->set_value(
            make_error(errc::undecodable_event, "timer " + t.id + ": its command does not decode"));
        continue;
      }
      decided[i] = true;
      command_envelope<D> env;
      env.command_id = timer_command_id(t);
      env.actor = D::timer_actor();
      env.command = std::move(*command);
      env.now_ms = clock_.now_ms();
      env.causation_id = causation_of(t);
      env.scope = "timer";
      pipeline_.execute_async(std::move(env),
                              [promise](result<command_result> r) { promise->set_value(std::move(r)); });
    }
    std::size_t settled = 0;
    timer_stats add;
    for (std::size_t i = 0; i < timers.size(); ++i) {
      auto r = answers[i].get();
      if (decided[i]) ++add.fired;
      const bool keep = !r && decided[i] && !is_refusal(r.error());
      if (keep) {
        ++add.failed;
        continue;
      }
      ++settled;
      if (r && !r.value().duplicate && r.value().first.value != 0) {
        ++add.recorded;
        // Its events made it unwanted, and the same append removed it; unless the decider still wants it.
        if (!still_set(timers[i])) continue;
      } else if (r && r.value().duplicate) {
        ++add.repeats;
      }
      if (log_.remove_timer(timers[i])) ++add.removed;
    }
    std::lock_guard lk(stats_mu_);
    stats_.fired += add.fired;
    stats_.recorded += add.recorded;
    stats_.repeats += add.repeats;
    stats_.removed += add.removed;
    stats_.failed += add.failed;
    return settled;
  }

  // A refusal is the decider's answer (or a command id used otherwise): firing again would answer the same.
  static bool is_refusal(const error& e) {
    return e.code == errc::rejected || e.code == errc::undecodable_event ||
           e.code == storage::errc::command_id_reused;
  }

  bool still_set(const storage::timer_entry& t) const {
    auto set = log_.has_timer(t);
    return !set || set.value();  // when in doubt, remove: a removed timer that fired is not missed
  }

  static std::string causation_of(const storage::timer_entry& t) {
    std::string c = "timer:" + t.id;
    return c.size() <= 128 ? c : std::string();
  }

  void run() {
    pthread_setname_np(pthread_self(), "timers");
    std::unique_lock lk(mu_);
    while (!stopping_) {
      lk.unlock();
      (void)fire_due();
      // Until the next due time, at most a poll; a timer due and still there failed: tried again after a
      // poll.
      std::chrono::milliseconds wait = options_.poll;
      if (auto next = log_.next_timer_due(); next && next.value()) {
        const auto until = std::chrono::milliseconds(*next.value() - clock_.now_ms());
        if (until.count() > 0) wait = std::min(until, options_.poll);
      }
      lk.lock();
      if (wait.count() > 0) cv_.wait_for(lk, wait, [&] { return stopping_; });
    }
  }

  command_pipeline<D>& pipeline_;
  storage::event_log& log_;
  const wall_clock& clock_;
  const timer_options options_;
  mutable std::mutex stats_mu_;
  timer_stats stats_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace thidua::engine
