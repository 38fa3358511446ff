#pragma once

#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "engine/command_id.h"
#include "engine/decider.h"
#include "engine/digest.h"
#include "engine/errc.h"
#include "engine/fair_queue.h"
#include "engine/serial_executor.h"
#include "engine/state_cache.h"
#include "engine/timers.h"
#include "storage/event_log.h"

namespace thidua::engine {

// What a caller hands the engine: the command and who sent it (from authentication, never from the frame).
template <decider D>
struct command_envelope {
  std::string command_id;  // client-chosen; a repeat by the same scope returns the first result
  typename D::actor actor;
  typename D::command command;
  std::int64_t now_ms = 0;                        // the engine's clock, injected so tests control time
  std::optional<std::uint64_t> expected_version;  // the client's belief; refused if the stream moved
  std::string correlation_id;
  std::string causation_id;
  // Who may repeat this command id (engine/command_id.h): the authenticated caller's scope. Commands of
  // different scopes never share an id. Empty: the id is used as it is (tests, single-caller tools).
  std::string scope;
};

struct command_result {
  std::string stream_id;
  storage::position first;  // 0 when the command recorded no event
  storage::position last;
  storage::stream_version version;  // the stream's version after the command
  bool duplicate = false;           // the command id had been executed before; nothing new was recorded
  // The version of what the command acted on, after it: what to pass as the next expected_version. The
  // stream's version unless the decider versions subjects (engine/decider.h); then 0 for a duplicate.
  std::uint64_t subject_version = 0;
};

struct pipeline_options {
  // Streams whose state is kept in memory. Default: 10,000.
  std::size_t cache_streams = 10'000;
  // Times a command is decided again after its stream moved under it (another writer of the log, or an
  // earlier append of its chain that was not written). Default: 5.
  int max_conflict_retries = 5;
  // Events read per page when a stream is replayed. Default: 1,000.
  std::size_t replay_page = 1000;
  // Commands of one stream waiting or on their way to disk at once; past it a command is refused with
  // errc::busy (retryable). Default: 1,024.
  std::size_t max_pending_per_stream = 1024;
  // The same for one scope on one stream, so one caller cannot take a stream's whole room. Default: 256.
  std::size_t max_pending_per_scope = 256;
  // Appends of one stream on their way to disk at once. Default: 256.
  std::size_t max_in_flight_per_stream = 256;
};

// The command pipeline: load (cache or replay) → decide → append, idempotent per (scope, command id).
//
// Operation: commands of one stream are decided one at a time, each on the state the commands before it will
// leave — as soon as those are queued for the log, not once they are durable — so a busy stream moves at the
// log's pace, many commands per WAL sync. The appends of a stream form a storage::append_chain: if one writes
// nothing (refused by the log, someone else wrote the stream first), the later ones fail with it, and each is
// decided again on the durable state, in its order, a bounded number of times. Nothing is acknowledged before
// the log made it durable. Commands waiting for their turn are served round-robin by scope, and a repeat of a
// command id that is still on its way waits for the first and gets its result.
// Concurrency: execute_async may be called from any thread; deciding runs on the caller's thread or on the
// pipeline's own `decide` thread (after an earlier append completed) — never on the log's thread, which only
// hands results over; `done` runs on either, or inline, and must be quick.
// Limits: pipeline_options (pending per stream and per scope: errc::busy beyond).
// Lifecycle: destroy the pipeline only after every command has called back.
template <decider D>
class command_pipeline {
 public:
  using state = typename D::state;
  using entry = typename state_cache<state>::entry;
  using entry_ptr = typename state_cache<state>::entry_ptr;
  using callback = std::function<void(result<command_result>)>;

  command_pipeline(storage::event_log& log, pipeline_options options = {})
      : log_(log), options_(options), cache_(options.cache_streams) {}

  void execute_async(command_envelope<D> envelope, callback done) {
    auto j = std::make_shared<job>();
    j->stream = D::stream_of(envelope.command);
    j->key = scoped_command_id(envelope.scope, envelope.command_id);
    j->digest = sha256(D::encode_command(envelope.command));
    j->env = std::move(envelope);
    j->done = std::move(done);
    completions out;
    const slot_ptr s = lock_slot(j->stream);
    {
      std::unique_lock lk(s->mu, std::adopt_lock);
      admit(s, j, out);
      pump(s, out);
    }
    settle(s, out);
  }

  result<command_result> execute(command_envelope<D> envelope) {
    std::promise<result<command_result>> promise;
    auto future = promise.get_future();
    execute_async(std::move(envelope),
                  [&promise](result<command_result> r) { promise.set_value(std::move(r)); });
    return future.get();
  }

  // fn(const entry&) on the current durable state of a stream, without copying it.
  template <class Fn>
  auto read(const std::string& stream, Fn&& fn) -> result<decltype(fn(std::declval<const entry&>()))> {
    if (auto hit = cache_.visit(stream, fn)) return std::move(*hit);
    auto loaded = load_shared(stream);
    if (!loaded) return loaded.error();
    return fn(*loaded.value());
  }

  // The current durable state of a stream and its version (a copy).
  result<entry> load(const std::string& stream) {
    auto loaded = load_shared(stream);
    if (!loaded) return loaded.error();
    return *loaded.value();
  }

 private:
  struct slot;
  static std::uint64_t subject_version(const entry& e, const typename D::command& c) {
    if constexpr (versions_subjects<D>)
      return D::version_of(e.state, c);
    else
      return e.version;
  }
  // The answer to a repeat of a recorded command: where its events are. Its subject's version then is not
  // kept (0) when the decider versions subjects.
  static command_result repeated(std::string stream, storage::position first, storage::position last,
                                 storage::stream_version version) {
    return {std::move(stream), first, last, version, true, versions_subjects<D> ? 0 : version.value};
  }

  struct job {
    command_envelope<D> env;
    callback done;
    std::string stream;
    std::string key;     // the scoped command id
    std::string digest;  // SHA-256 of the command's bytes
    int retries = 0;
    bool repeat_checked = false;
    std::shared_ptr<slot> home;  // its stream's slot, while the job is admitted
    entry_ptr after;             // the state its events leave, while they are on their way to disk
    std::vector<std::shared_ptr<job>> followers;  // repeats of its id that came while it was pending
  };
  using job_ptr = std::shared_ptr<job>;
  using completions = std::vector<std::pair<callback, result<command_result>>>;

  // One stream's commands between arrival and acknowledgement. Guarded by `mu`.
  struct slot {
    explicit slot(std::string name) : stream(std::move(name)) {}
    const std::string stream;
    std::mutex mu;
    entry_ptr tip;  // the durable state and everything on its way to disk; null: load before deciding
    std::shared_ptr<storage::append_chain> chain;
    std::deque<job_ptr> in_flight;                    // appended, in log order
    std::deque<job_ptr> retry;                        // to decide again before anything else, in their order
    fair_queue<job_ptr> waiting;                      // by scope
    std::unordered_map<std::string, job_ptr> by_key;  // every admitted job not yet answered
    std::unordered_map<std::string, std::size_t> per_scope;
    // Results of appends that completed inside append_async (the log was shutting down), for the caller.
    std::vector<std::pair<job_ptr, result<storage::append_result>>> inline_results;
  };
  using slot_ptr = std::shared_ptr<slot>;

  static error reused_error(const job& j) {
    return make_error(storage::errc::command_id_reused,
                      "command_id: " + j.env.command_id + " was already used for a different command");
  }

  // The stream's slot, locked. The slot map's lock is held until the slot's is, so an idle slot is never
  // dropped between being found and being used.
  slot_ptr lock_slot(const std::string& stream) {
    std::lock_guard lk(slots_mu_);
    auto& s = slots_[stream];
    if (!s) s = std::make_shared<slot>(stream);
    s->mu.lock();
    return s;
  }

  // Drops the slot if it has nothing left to do, then runs the callbacks collected under its lock — last:
  // once a callback has run, its caller may destroy this pipeline.
  void settle(const slot_ptr& s, completions& out) {
    {
      std::lock_guard lk(slots_mu_);
      std::lock_guard sl(s->mu);
      if (s->by_key.empty()) {
        if (auto it = slots_.find(s->stream); it != slots_.end() && it->second == s) slots_.erase(it);
      }
    }
    for (auto& [done, r] : out) done(std::move(r));
  }

  // Which slot's append_async this thread is inside, if any: the log may answer inline while it shuts down.
  static const slot*& appending_slot() {
    static thread_local const slot* current = nullptr;
    return current;
  }

  void admit(const slot_ptr& sp, const job_ptr& j, completions& out) {
    slot& s = *sp;
    if (auto it = s.by_key.find(j->key); it != s.by_key.end()) {
      if (it->second->digest != j->digest) {
        out.emplace_back(std::move(j->done), reused_error(*j));
      } else {
        it->second->followers.push_back(j);
      }
      return;
    }
    auto& mine = s.per_scope[j->env.scope];
    if (s.by_key.size() >= options_.max_pending_per_stream || mine >= options_.max_pending_per_scope) {
      if (mine == 0) s.per_scope.erase(j->env.scope);
      out.emplace_back(
          std::move(j->done),
          make_error(errc::busy, "stream " + j->stream + " has " + std::to_string(s.by_key.size()) +
                                     " commands waiting; retry in a moment"));
      return;
    }
    ++mine;
    j->home = sp;
    s.by_key.emplace(j->key, j);
    s.waiting.push(j->env.scope, j);
  }

  // Answers a job (and the repeats that waited for it) and forgets it.
  void finish(slot& s, const job_ptr& j, result<command_result> r, completions& out) {
    s.by_key.erase(j->key);
    j->home.reset();
    if (auto it = s.per_scope.find(j->env.scope); it != s.per_scope.end() && --it->second == 0)
      s.per_scope.erase(it);
    for (auto& f : j->followers) {
      result<command_result> copy = r;
      if (copy) copy.value().duplicate = true;
      out.emplace_back(std::move(f->done), std::move(copy));
    }
    out.emplace_back(std::move(j->done), std::move(r));
  }

  // Decides and appends what may go now.
  void pump(const slot_ptr& sp, completions& out) {
    slot& s = *sp;
    for (;;) {
      // After an append wrote nothing, the later ones of its chain fail too: let them all come back first.
      if (!s.tip && !s.in_flight.empty()) return;
      if (s.in_flight.size() >= options_.max_in_flight_per_stream) return;
      job_ptr j;
      if (!s.retry.empty()) {
        j = std::move(s.retry.front());
        s.retry.pop_front();
      } else if (!s.waiting.empty()) {
        j = s.waiting.pop();
      } else {
        return;
      }
      run(s, j, out);
    }
  }

  void run(slot& s, const job_ptr& j, completions& out) {
    auto& env = j->env;
    if (!j->repeat_checked) {
      j->repeat_checked = true;
      auto previous = log_.find_command(j->key);
      if (!previous) return finish(s, j, previous.error(), out);
      if (const auto& p = previous.value()) {
        if (!p->command_digest.empty() && p->command_digest != j->digest)
          return finish(s, j, reused_error(*j), out);
        return finish(s, j, repeated(p->stream_id, p->first, p->last, p->version), out);
      }
    }
    if (!s.tip) {
      auto loaded = load_shared(j->stream);
      if (!loaded) return finish(s, j, loaded.error(), out);
      s.tip = std::move(loaded).value();
      s.chain = std::make_shared<storage::append_chain>();
    }
    const entry& current = *s.tip;
    const std::uint64_t version = subject_version(current, env.command);
    if (env.expected_version && *env.expected_version != version) {
      error e = make_error(
          storage::errc::wrong_expected_version,
          "expected_version: " +
              (versions_subjects<D> ? std::string("what the command acts on") : "stream " + j->stream) +
              " is at version " + std::to_string(version) + ", not " + std::to_string(*env.expected_version));
      e.actual_version = version;
      return finish(s, j, std::move(e), out);
    }
    auto decision = D::decide(current.state, env.command, env.actor, env.now_ms);
    if (auto* refused = std::get_if<typename D::rejection>(&decision))
      return finish(s, j, rejection_error(*refused), out);
    auto events = std::get<std::vector<typename D::event>>(std::move(decision));
    if (events.empty())
      return finish(s, j, command_result{j->stream, {0}, {0}, {current.version}, false, version}, out);

    storage::append_request request;
    request.stream_id = j->stream;
    request.expected = storage::expected_version::exact({current.version});
    request.command_id = j->key;
    request.command_digest = j->digest;
    request.chain = s.chain;
    request.recorded_at_ms = env.now_ms;
    request.actor.set_unit_id(D::actor_unit(env.actor));
    request.actor.set_person(D::actor_person(env.actor));
    request.actor.set_role(D::actor_role(env.actor));
    request.correlation_id = env.correlation_id;
    request.causation_id = env.causation_id;
    request.events.reserve(events.size());
    for (const auto& ev : events) request.events.push_back({std::string(D::event_type(ev)), D::encode(ev)});

    auto next = std::make_shared<entry>(entry{current.version + events.size(), current.state});
    for (const auto& ev : events) next->state = D::evolve(std::move(next->state), ev);
    if constexpr (schedules_timers<D>)
      timer_changes<D>(current.state, next->state, env.command, request.timers_set, request.timers_cancelled);
    j->after = next;
    s.tip = std::move(next);
    s.in_flight.push_back(j);

    // The log answers on its own thread, except while it shuts down: then inline, with our lock held.
    appending_slot() = &s;
    log_.append_async(std::move(request), [this, home = j->home, j](result<storage::append_result> r) {
      // Inline from append_async: this thread's run() holds the slot's lock and takes the result from here.
      if (appending_slot() == home.get()) {
        home->inline_results.emplace_back(j, std::move(r));
        return;
      }
      // From the log's thread: the rest (deciding the stream's next commands, answering) runs on ours.
      completions_.post(
          [this, home, j, r = std::move(r)]() mutable { on_appended_from_log(home, j, std::move(r)); });
    });
    appending_slot() = nullptr;
    auto inline_results = std::move(s.inline_results);
    s.inline_results.clear();
    for (auto& [done_job, r] : inline_results) on_appended(s, done_job, std::move(r), out);
  }

  void on_appended_from_log(const slot_ptr& s, const job_ptr& j, result<storage::append_result> r) {
    completions out;
    {
      std::lock_guard lk(s->mu);
      on_appended(*s, j, std::move(r), out);
      pump(s, out);
    }
    settle(s, out);
  }

  void on_appended(slot& s, const job_ptr& j, result<storage::append_result> r, completions& out) {
    // The log completes a stream's appends in the order they were queued.
    s.in_flight.pop_front();
    entry_ptr after = std::move(j->after);
    if (r && !r.value().duplicate) {
      const std::uint64_t version = subject_version(*after, j->env.command);
      cache_.put(j->stream, std::move(after));
      const auto& a = r.value();
      return finish(s, j, command_result{a.stream_id, a.first, a.last, a.version, false, version}, out);
    }
    // It wrote nothing, so the state the later appends were decided on never was: decide them again.
    s.tip.reset();
    s.chain.reset();
    if (r) {
      // Someone else recorded this command id in the meantime (same digest: the log checked).
      const auto& a = r.value();
      return finish(s, j, repeated(a.stream_id, a.first, a.last, a.version), out);
    }
    const error& e = r.error();
    const bool moved = e.code == storage::errc::wrong_expected_version;
    if (moved) cache_.erase(j->stream);  // someone outside this pipeline wrote the stream: read it again
    // A client's expected_version is checked again on the moved stream, unless it concerns the stream itself:
    // when the decider versions subjects, the stream moving says nothing of the command's subject (and the
    // log's actual_version would tell of the others).
    if (e.code == storage::errc::chain_broken ||
        (moved && (!j->env.expected_version || versions_subjects<D>))) {
      if (++j->retries > options_.max_conflict_retries) {
        return finish(s, j,
                      make_error(errc::conflict_retries_exhausted,
                                 "stream " + j->stream + " changed concurrently " +
                                     std::to_string(options_.max_conflict_retries) + " times; retry"),
                      out);
      }
      s.retry.push_back(j);
      return;
    }
    finish(s, j, e, out);
  }

  result<entry_ptr> load_shared(const std::string& stream) {
    if (auto cached = cache_.get(stream)) return cached;
    auto e = std::make_shared<entry>(entry{0, D::initial()});
    storage::stream_version next{1};
    for (;;) {
      auto page = log_.read_stream(stream, next, options_.replay_page);
      if (!page) return page.error();
      for (const auto& ev : page.value()) {
        auto decoded = D::decode(ev->record.event_type(), ev->record.payload());
        if (!decoded) {
          return make_error(errc::undecodable_event, "stream " + stream + " version " +
                                                         std::to_string(ev->record.stream_version()) + " (" +
                                                         ev->record.event_type() + ") does not decode");
        }
        e->state = D::evolve(std::move(e->state), *decoded);
        e->version = ev->record.stream_version();
      }
      if (page.value().size() < options_.replay_page) break;
      next = {e->version + 1};
    }
    entry_ptr shared = std::move(e);
    cache_.put(stream, shared);
    return shared;
  }

  storage::event_log& log_;
  pipeline_options options_;
  state_cache<state> cache_;
  std::mutex slots_mu_;  // taken before a slot's lock, never after
  std::unordered_map<std::string, slot_ptr> slots_;
  // Last, so it is destroyed first: its thread finishes what it was handed while the rest still exists.
  serial_executor completions_{"decide"};
};

}  // namespace thidua::engine
