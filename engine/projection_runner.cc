#include "engine/projection_runner.h"

#include <pthread.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <utility>
#include <vector>

#include "engine/log_read_ahead.h"

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

namespace {

constexpr const char* generations_model = "engine.generations";
constexpr auto retire_delay = std::chrono::seconds(30);

// Generation 1 is stored under the projection's own name; 0 means none (no rebuild, nothing to erase).
struct generations {
  std::uint64_t serving = 1, building = 0, retired = 0;
};

result<generations> stored_generations(const storage::event_log& log, const std::string& projection) {
  auto got = log.projection_get(generations_model, projection);
  if (!got) return got.error();
  generations g;
  if (got.value() && std::sscanf(got.value()->c_str(), "%" SCNu64 " %" SCNu64 " %" SCNu64, &g.serving,
                                 &g.building, &g.retired) != 3)
    return make_error(storage::errc::corruption, "the generations of " + projection + " are unreadable");
  return g;
}

std::string generation_name(const std::string& projection, std::uint64_t generation) {
  return generation <= 1 ? projection : projection + ".g" + std::to_string(generation);
}

}  // namespace

projection_runner::projection_runner(storage::event_log& log, projection& p, runner_options options)
    : log_(log), projection_(p), options_(options) {}

std::string projection_runner::name_of(std::uint64_t generation) const {
  return generation_name(projection_.name(), generation);
}

result<std::string> projection_runner::stored_serving_name(const storage::event_log& log,
                                                           const std::string& projection) {
  auto g = stored_generations(log, projection);
  if (!g) return g.error();
  return generation_name(projection, g.value().serving);
}

result<void> projection_runner::erase_all(storage::event_log& log, const std::string& projection) {
  auto g = stored_generations(log, projection);
  if (!g) return g.error();
  const auto last = std::max({g.value().serving, g.value().building, g.value().retired});
  for (std::uint64_t gen = 1; gen <= last; ++gen) {
    auto cp = log.projection_checkpoint(generation_name(projection, gen));
    if (!cp) return cp.error();
    // A read model's rows are written with its checkpoint: none, nothing to erase.
    if (cp.value().value == 0) continue;
    if (auto r = log.reset_projection(generation_name(projection, gen)); !r) return r.error();
  }
  auto recorded = log.projection_get(generations_model, projection);
  if (!recorded) return recorded.error();
  if (!recorded.value()) return success();  // erased before: start-up writes nothing
  storage::projection_batch batch;
  batch.erase(projection);
  return log.commit_projection(generations_model, batch, {0});
}

result<void> projection_runner::record_generations(std::uint64_t serving, std::uint64_t building,
                                                   std::uint64_t retired) {
  storage::projection_batch batch;
  batch.put(projection_.name(),
            std::to_string(serving) + " " + std::to_string(building) + " " + std::to_string(retired));
  return log_.commit_projection(generations_model, batch, {0});
}

std::string projection_runner::serving_name() const {
  std::lock_guard lk(mu_);
  return name_of(serving_gen_);
}

projection_runner::rebuild_progress projection_runner::rebuilding() const {
  std::lock_guard lk(mu_);
  if (building_gen_ == 0) return {};
  return {true, name_of(building_gen_), build_checkpoint_, checkpoint_};
}

projection_runner::~projection_runner() {
  stop();
}

void projection_runner::start() {
  {
    std::lock_guard lk(mu_);
    if (thread_.joinable() || listener_id_ != 0) return;
  }
  auto gens = stored_generations(log_, projection_.name());
  if (gens && gens.value().retired != 0) {
    // Nobody reads the retired generation before the runner starts: erase it now.
    auto g = gens.value();
    if (auto r = log_.reset_projection(name_of(g.retired)); !r) {
      gens = r.error();
    } else if (auto w = record_generations(g.serving, g.building, 0); !w) {
      gens = w.error();
    } else {
      gens.value().retired = 0;
    }
  }
  std::uint64_t build_cp = 0;
  if (gens && gens.value().building != 0) {
    auto b = log_.projection_checkpoint(name_of(gens.value().building));
    if (b) {
      build_cp = b.value().value;
    } else {
      gens = b.error();
    }
  }
  auto cp = gens ? log_.projection_checkpoint(name_of(gens.value().serving))
                 : result<storage::position>(gens.error());
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
    serving_gen_ = gens.value().serving;
    building_gen_ = gens.value().building;
    retired_gen_ = 0;
    build_checkpoint_ = build_cp;
  } else {
    failure_ = cp.error();
  }
  build_values_.clear();
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
  if (building_gen_ != 0) return success();
  if (!thread_.joinable()) {
    // Not started: the generations are as stored.
    lk.unlock();
    auto g = stored_generations(log_, projection_.name());
    if (!g) return g.error();
    if (g.value().building != 0) return success();
    const auto next = std::max(g.value().serving, g.value().retired) + 1;
    if (auto r = log_.reset_projection(name_of(next)); !r) return r.error();
    return record_generations(g.value().serving, next, g.value().retired);
  }
  // The runner thread alone changes generations while it runs: it starts the build between two steps.
  rebuild_requested_ = true;
  wake_.notify_all();
  applied_.wait(lk, [&] { return !rebuild_requested_ || stopping_; });
  if (std::exchange(rebuild_requested_, false))
    return make_error(storage::errc::shutting_down,
                      "the read model's runner stopped before the rebuild started");
  if (rebuild_failure_) return *std::exchange(rebuild_failure_, std::nullopt);
  return success();
}

result<void> projection_runner::start_build() {
  // A generation retired by the last swap goes now: the next one may not wait for it.
  std::uint64_t serving = 0, retired = 0;
  {
    std::lock_guard lk(mu_);
    serving = serving_gen_;
    retired = retired_gen_;
  }
  const auto next = std::max(serving, retired) + 1;
  if (retired != 0)
    if (auto r = log_.reset_projection(name_of(retired)); !r) return r.error();
  if (auto r = log_.reset_projection(name_of(next)); !r) return r.error();
  if (auto r = record_generations(serving, next, 0); !r) return r.error();
  std::lock_guard lk(mu_);
  retired_gen_ = 0;
  building_gen_ = next;
  build_checkpoint_ = 0;
  build_values_.clear();
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

projection_runner::step_outcome projection_runner::step(const std::string& name, projection_values& values,
                                                        bool from_notices, std::uint64_t from,
                                                        std::uint64_t to) {
  if (values.size() > options_.cached_values) values.clear();
  projection_context ctx(log_, name, &values);
  std::uint64_t last = from - 1;
  error failed;
  bool ok = true;
  auto apply = [&](const storage::record_view& record) {
    if (record.position > to) return false;
    if (auto r = projection_.apply(record, ctx); !r) {
      failed = r.error();
      ok = false;
      return false;
    }
    last = record.position;
    return true;
  };
  projection_.begin_step(ctx);
  if (auto recent = from_notices ? take_recent(from) : std::vector<storage::event_ptr>{}; !recent.empty()) {
    read_ahead_.erase(name);  // following the head again
    for (const auto& ev : recent)
      if (!apply(storage::view_of(ev->record))) break;
  } else {
    // Read on another thread while this one folds (a rebuild reads the whole log), decoded in place.
    auto& ahead = read_ahead_[name];
    const std::uint64_t step_to = std::min(to, from + options_.catch_up_batch_events - 1);
    for (bool fresh = false; !fresh;) {
      if (!ahead || ahead->next_position() != from) {
        ahead = std::make_unique<log_read_ahead>(log_, from, to);
        fresh = true;
      }
      const storage::record_view* record = nullptr;
      while ((record = ahead->front()) && record->position <= step_to && apply(*record)) ahead->pop();
      if (record) break;
      // The reader is done: past `to`, failed, or at the log's end as it was when it began — a reader of an
      // earlier step that found nothing more is asked again afresh.
      auto failure = ahead->failure();
      ahead.reset();
      if (failure) return {from - 1, *failure};
      if (last >= from) break;
    }
  }
  if (ok && last >= from) {
    if (auto r = projection_.end_step(ctx); !r) {
      // Nothing of the step is committed: whatever event made it fail, the step is given up whole.
      failed = r.error();
      ok = false;
      last = from - 1;
    }
  }
  if (!ok) {
    // The failed event may have written part of its changes: apply the good events before it again, on
    // their own, so the read model stops exactly before the bad event.
    if (last < from) return {from - 1, failed};
    auto good = step(name, values, from_notices, from, last);
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
  if (auto r = log_.commit_projection(name, batch, {last}); !r) {
    values.clear();
    return {from - 1, r.error()};
  }
  for (auto& [key, value] : ctx.pending_) values.insert_or_assign(key, std::move(value));
  return {last, std::nullopt};
}

void projection_runner::loop() {
  for (;;) {
    std::uint64_t from = 0;
    std::string serving;
    bool serve = false;
    {
      std::unique_lock lk(mu_);
      const auto work = [&] {
        return stopping_ || rebuild_requested_ || (!failure_ && head_seen_ > checkpoint_) ||
               (building_gen_ != 0 && !failure_);
      };
      wake_.wait(lk, work);
      if (stopping_) break;
      if (rebuild_requested_) {
        if (building_gen_ == 0) {
          lk.unlock();
          auto started = start_build();
          lk.lock();
          if (!started) rebuild_failure_ = started.error();
        }
        rebuild_requested_ = false;
        applied_.notify_all();
        continue;
      }
      if (building_gen_ == 0 && options_.gather_delay.count() > 0 && waiters_.empty() &&
          blocking_waiters_ == 0 && unapplied() < options_.batch_events) {
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
      serve = !failure_ && head_seen_ > checkpoint_;
      from = checkpoint_ + 1;
      serving = name_of(serving_gen_);
    }
    if (serve) {
      auto r = step(serving, values_, true, from);
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
    build_step();
    retire_old();
  }
  std::lock_guard lk(mu_);
  applied_.notify_all();
}

void projection_runner::build_step() {
  std::uint64_t building = 0, target = 0, from = 0;
  {
    std::lock_guard lk(mu_);
    if (building_gen_ == 0 || failure_) return;
    building = building_gen_;
    target = checkpoint_;
    from = build_checkpoint_ + 1;
  }
  if (from <= target) {
    auto r = step(name_of(building), build_values_, false, from, target);
    std::lock_guard lk(mu_);
    if (r.last >= from) build_checkpoint_ = r.last;
    if (r.failure) {
      failure_ = r.failure;  // the serving generation would fail on the same event: stop both, say why
      return;
    }
    if (build_checkpoint_ < checkpoint_) return;
  }
  // Caught up, between two serving steps: serve the new generation from now on.
  std::uint64_t serving = 0;
  {
    std::lock_guard lk(mu_);
    if (build_checkpoint_ < checkpoint_) return;
    serving = serving_gen_;
  }
  if (auto r = record_generations(building, 0, serving); !r) {
    std::lock_guard lk(mu_);
    failure_ = r.error();
    return;
  }
  std::lock_guard lk(mu_);
  serving_gen_ = building;
  building_gen_ = 0;
  retired_gen_ = serving;
  retire_at_ = std::chrono::steady_clock::now() + retire_delay;
  values_.swap(build_values_);
  build_values_.clear();
  applied_.notify_all();
}

void projection_runner::retire_old() {
  std::uint64_t serving = 0, retired = 0;
  {
    std::lock_guard lk(mu_);
    if (retired_gen_ == 0 || building_gen_ != 0 || std::chrono::steady_clock::now() < retire_at_) return;
    serving = serving_gen_;
    retired = retired_gen_;
  }
  if (!log_.reset_projection(name_of(retired))) return;  // tried again on the next wake, or at start
  if (!record_generations(serving, 0, 0)) return;
  std::lock_guard lk(mu_);
  retired_gen_ = 0;
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
