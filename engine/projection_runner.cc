#include "engine/projection_runner.h"

#include <pthread.h>

#include <algorithm>
#include <vector>

namespace thidua::engine {

result<std::optional<std::string>> projection_context::get(const std::string& key) const {
  if (auto it = pending_.find(key); it != pending_.end()) return it->second;
  if (committed_) {
    if (auto it = committed_->find(key); it != committed_->end()) return it->second;
  }
  auto stored = log_.projection_get(name_, key);
  if (stored && committed_) committed_->emplace(key, stored.value());
  return stored;
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
      recent_.insert(recent_.end(), batch.begin(), batch.end());
      while (recent_.size() > options_.recent_events) recent_.pop_front();
      // While the runner lets a burst gather, it needs waking only once a full batch is there.
      if (gathering_ && unapplied() < options_.batch_events) return;
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
  values_.clear();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "projection");
    loop();
  });
  expirer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "projection-wait");
    expire_loop();
  });
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
    values_.clear();
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
  ++blocking_waiters_;
  wake_.notify_one();  // someone waits: the runner stops gathering and commits
  const bool reached = applied_.wait_for(lk, timeout, [&] { return checkpoint_ >= p.value; });
  --blocking_waiters_;
  return reached;
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
      wake_.notify_one();      // someone waits: the runner stops gathering and commits
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

std::uint64_t projection_runner::unapplied() const {
  // A step may read past the last notice (the log is durable before its listeners hear of it).
  return head_seen_ > checkpoint_ ? head_seen_ - checkpoint_ : 0;
}

std::vector<storage::event_ptr> projection_runner::take_recent(std::uint64_t from) {
  std::vector<storage::event_ptr> out;
  std::lock_guard lk(mu_);
  while (!recent_.empty() && recent_.front()->pos().value < from) recent_.pop_front();
  // A notice can be missing (a listener added while a batch was being written): stop at the first gap.
  while (!recent_.empty() && out.size() < options_.batch_events && recent_.front()->pos().value == from) {
    out.push_back(std::move(recent_.front()));
    recent_.pop_front();
    ++from;
  }
  return out;
}

projection_runner::step_outcome projection_runner::step(std::uint64_t from, std::uint64_t to) {
  if (values_.size() > options_.cached_values) values_.clear();
  projection_context ctx(log_, projection_.name(), &values_);
  std::uint64_t last = from - 1;
  error failed;
  bool ok = true;
  auto apply = [&](const storage::pb::EventRecord& record) {
    if (record.position() > to) return false;
    if (auto r = projection_.apply(record, ctx); !r) {
      failed = r.error();
      ok = false;
      return false;
    }
    last = record.position();
    return true;
  };
  if (auto recent = take_recent(from); !recent.empty()) {
    for (const auto& ev : recent)
      if (!apply(ev->record)) break;
  } else {
    auto scanned = log_.scan(
        {from}, {std::min(to, from + options_.batch_events - 1)},
        [&](const storage::pb::EventRecord& record, const storage::hash256&) { return apply(record); });
    if (!scanned) return {from - 1, scanned.error()};
  }
  if (!ok) {
    // The failed event may have written part of its changes: apply the good events before it again, on
    // their own, so the read model stops exactly before the bad event.
    if (last < from) return {from - 1, failed};
    auto good = step(from, last);
    if (!good.failure) good.failure = failed;
    return good;
  }
  if (last < from) return {last, std::nullopt};
  storage::projection_batch batch;
  for (auto& [key, value] : ctx.pending_) {
    if (value) {
      batch.put(key, *value);
    } else {
      batch.erase(key);
    }
  }
  if (auto r = log_.commit_projection(projection_.name(), batch, {last}); !r) {
    values_.clear();
    return {from - 1, r.error()};
  }
  for (auto& [key, value] : ctx.pending_) values_.insert_or_assign(key, std::move(value));
  return {last, std::nullopt};
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
        values_.clear();
        rebuild_requested_ = false;
        head_seen_ = log_.head().value;
        applied_.notify_all();
        continue;
      }
      if (options_.gather_delay.count() > 0 && waiters_.empty() && blocking_waiters_ == 0 &&
          unapplied() < options_.batch_events) {
        // Nobody waits for the read model: let a burst gather so it costs one commit, not one per batch.
        gathering_ = true;
        wake_.wait_for(lk, options_.gather_delay, [&] {
          return stopping_ || rebuild_requested_ || !waiters_.empty() || blocking_waiters_ > 0 ||
                 unapplied() >= options_.batch_events;
        });
        gathering_ = false;
        if (stopping_) break;
        if (rebuild_requested_) continue;
      }
      from = checkpoint_ + 1;
    }
    auto r = step(from);
    std::unique_lock lk(mu_);
    if (r.last >= from) checkpoint_ = r.last;
    if (r.failure) {
      // A projection that cannot apply an event stops right before it rather than skip it; failure() says
      // why.
      failure_ = r.failure;
    } else if (r.last < from) {
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
