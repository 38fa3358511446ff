#include "engine/projection_runner.h"

#include <algorithm>
#include <vector>

namespace thidua::engine {

result<std::optional<std::string>> projection_context::get(const std::string& key) const {
  if (auto it = pending_.find(key); it != pending_.end()) return it->second;
  return log_.projection_get(name_, key);
}

void projection_context::put(std::string key, std::string value) {
  pending_[std::move(key)] = std::move(value);
}

void projection_context::erase(std::string key) {
  pending_[std::move(key)] = std::nullopt;
}

projection_runner::projection_runner(storage::event_log& log, projection& p, runner_options options)
    : log_(log), projection_(p), options_(options) {}

projection_runner::~projection_runner() {
  stop();
}

void projection_runner::start() {
  {
    std::lock_guard lk(mu_);
    if (thread_.joinable() || listener_id_ != 0) return;
  }
  auto cp = log_.projection_checkpoint(projection_.name());
  // Register without holding mu_: the log calls listeners under its own lock, and the listener takes mu_.
  const std::uint64_t id = log_.add_commit_listener([this](const std::vector<storage::event_ptr>& batch) {
    if (batch.empty()) return;
    {
      std::lock_guard l(mu_);
      head_seen_ = std::max(head_seen_, batch.back()->pos().value);
    }
    wake_.notify_one();
  });
  std::lock_guard lk(mu_);
  listener_id_ = id;
  if (cp) {
    checkpoint_ = cp.value().value;
  } else {
    failure_ = cp.error();
  }
  head_seen_ = std::max(head_seen_, log_.head().value);
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
  expirer_ = std::thread([this] { expire_loop(); });
}

void projection_runner::stop() {
  {
    std::lock_guard lk(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  deadline_.notify_all();
  thread_.join();
  expirer_.join();
  log_.remove_commit_listener(listener_id_);
  std::multimap<std::uint64_t, waiter> left;
  {
    std::lock_guard lk(mu_);
    listener_id_ = 0;
    left.swap(waiters_);
  }
  for (auto& [p, w] : left) w.reached(checkpoint().value >= p);
}

result<void> projection_runner::rebuild() {
  std::unique_lock lk(mu_);
  if (!thread_.joinable()) {
    auto reset = log_.reset_projection(projection_.name());
    if (!reset) return reset.error();
    checkpoint_ = 0;
    return success();
  }
  rebuild_requested_ = true;
  wake_.notify_all();
  // The loop erases the read model between two steps, so no step of the old run lands after the erase.
  applied_.wait(lk, [&] { return !rebuild_requested_ || stopping_ || !thread_.joinable(); });
  if (failure_) return *failure_;
  return success();
}

bool projection_runner::wait_for(storage::position p, std::chrono::milliseconds timeout) {
  std::unique_lock lk(mu_);
  return applied_.wait_for(lk, timeout, [&] { return checkpoint_ >= p.value; });
}

void projection_runner::when_applied(storage::position p, std::chrono::milliseconds timeout,
                                     std::function<void(bool)> reached) {
  bool now = false;
  {
    std::lock_guard lk(mu_);
    now = checkpoint_ >= p.value;
    if (!now && thread_.joinable() && !stopping_) {
      waiters_.emplace(p.value, waiter{std::chrono::steady_clock::now() + timeout, std::move(reached)});
      deadline_.notify_all();  // the expirer recomputes its nearest deadline
      return;
    }
  }
  reached(now);
}

std::vector<std::pair<projection_runner::waiter, bool>> projection_runner::take_due_waiters() {
  std::vector<std::pair<waiter, bool>> due;
  const auto now = std::chrono::steady_clock::now();
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    const bool reached = it->first <= checkpoint_;
    if (reached || it->second.deadline <= now) {
      due.emplace_back(std::move(it->second), reached);
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  return due;
}

storage::position projection_runner::checkpoint() const {
  std::lock_guard lk(mu_);
  return {checkpoint_};
}

std::optional<error> projection_runner::failure() const {
  std::lock_guard lk(mu_);
  return failure_;
}

result<std::uint64_t> projection_runner::step(std::uint64_t from) {
  projection_context ctx(log_, projection_.name());
  std::uint64_t last = from - 1;
  error failed;
  bool ok = true;
  auto scanned = log_.scan({from}, {from + options_.batch_events - 1},
                           [&](const storage::pb::EventRecord& record, const storage::hash256&) {
                             if (auto r = projection_.apply(record, ctx); !r) {
                               failed = r.error();
                               ok = false;
                               return false;
                             }
                             last = record.position();
                             return true;
                           });
  if (!scanned) return scanned.error();
  if (!ok) return failed;
  if (last < from) return last;
  storage::projection_batch batch;
  for (auto& [key, value] : ctx.pending_) {
    if (value) {
      batch.put(key, std::move(*value));
    } else {
      batch.erase(key);
    }
  }
  if (auto r = log_.commit_projection(projection_.name(), batch, {last}); !r) return r.error();
  return last;
}

void projection_runner::loop() {
  for (;;) {
    std::uint64_t from = 0;
    {
      std::unique_lock lk(mu_);
      wake_.wait(lk,
                 [&] { return stopping_ || rebuild_requested_ || (!failure_ && head_seen_ > checkpoint_); });
      if (stopping_) break;
      if (rebuild_requested_) {
        lk.unlock();
        auto reset = log_.reset_projection(projection_.name());
        lk.lock();
        failure_.reset();
        if (!reset) failure_ = reset.error();
        checkpoint_ = 0;
        rebuild_requested_ = false;
        head_seen_ = log_.head().value;
        applied_.notify_all();
        continue;
      }
      from = checkpoint_ + 1;
    }
    auto r = step(from);
    std::unique_lock lk(mu_);
    if (!r) {
      // A projection that cannot apply an event stops where it is rather than skip it; failure() says why.
      failure_ = r.error();
    } else if (r.value() >= from) {
      checkpoint_ = r.value();
    } else {
      // Nothing to apply after all: wait for the next batch rather than spin.
      head_seen_ = checkpoint_;
    }
    applied_.notify_all();
    auto due = take_due_waiters();
    lk.unlock();
    for (auto& [w, reached] : due) w.reached(reached);
  }
  std::lock_guard lk(mu_);
  applied_.notify_all();
}

void projection_runner::expire_loop() {
  // Deadlines are kept here rather than in loop(): a step that takes long must not hold up a timeout.
  std::unique_lock lk(mu_);
  while (!stopping_) {
    if (waiters_.empty()) {
      deadline_.wait(lk);
      continue;
    }
    auto nearest = waiters_.begin()->second.deadline;
    for (const auto& [p, w] : waiters_) nearest = std::min(nearest, w.deadline);
    deadline_.wait_until(lk, nearest);
    auto due = take_due_waiters();
    if (due.empty()) continue;
    lk.unlock();
    for (auto& [w, reached] : due) w.reached(reached);
    lk.lock();
  }
}

}  // namespace thidua::engine
