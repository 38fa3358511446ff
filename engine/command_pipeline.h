#pragma once

#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "engine/decider.h"
#include "engine/errc.h"
#include "engine/state_cache.h"
#include "storage/event_log.h"

namespace thidua::engine {

// What a caller hands the engine: the command and who sent it (from authentication, never from the frame).
template <decider D>
struct command_envelope {
  std::string command_id;  // client-chosen; a repeat returns the first result
  typename D::actor actor;
  typename D::command command;
  std::int64_t now_ms = 0;                        // the engine's clock, injected so tests control time
  std::optional<std::uint64_t> expected_version;  // the client's belief; refused if the stream moved
  std::string correlation_id;
  std::string causation_id;
};

struct command_result {
  std::string stream_id;
  storage::position first;  // 0 when the command recorded no event
  storage::position last;
  storage::stream_version version;  // the stream's version after the command
  bool duplicate = false;           // the command id had been executed before; nothing new was recorded
};

struct pipeline_options {
  // Streams whose state is kept in memory. Default: 10,000.
  std::size_t cache_streams = 10'000;
  // Times a command is decided again after another command moved its stream first. Default: 5.
  int max_conflict_retries = 5;
  // Events read per page when a stream is replayed. Default: 1,000.
  std::size_t replay_page = 1000;
};

// The command pipeline: load (cache or replay) → decide → append with the loaded version → on a version
// conflict decide again on the new state, a bounded number of times. Idempotent by command id.
// Commands on one stream run one at a time in arrival order; commands on different streams run side by side.
// Concurrency: execute_async may be called from any thread; `done` runs on the log's thread (or
// inline for an early refusal) and must be quick. Lifecycle: destroy the pipeline only after every command
// has called back.
template <decider D>
class command_pipeline {
 public:
  using state = typename D::state;
  using callback = std::function<void(result<command_result>)>;

  command_pipeline(storage::event_log& log, pipeline_options options = {})
      : log_(log), options_(options), cache_(options.cache_streams) {}

  void execute_async(command_envelope<D> envelope, callback done) {
    std::string stream = D::stream_of(envelope.command);
    auto job = std::make_shared<attempt>(attempt{std::move(envelope), std::move(done), 0, std::move(stream)});
    {
      // One command per stream at a time, in arrival order: each decides on the state its predecessor left,
      // so commands of one process never conflict and none starves. Version checks stay as the safety net.
      std::lock_guard lk(inflight_mu_);
      auto& waiting = inflight_[job->stream];
      waiting.push_back(job);
      if (waiting.size() > 1) return;
    }
    drive(std::move(job));
  }

  result<command_result> execute(command_envelope<D> envelope) {
    std::promise<result<command_result>> promise;
    auto future = promise.get_future();
    execute_async(std::move(envelope),
                  [&promise](result<command_result> r) { promise.set_value(std::move(r)); });
    return future.get();
  }

  // fn(const entry&) on the current durable state of a stream, without copying it when it is cached.
  template <class Fn>
  auto read(const std::string& stream, Fn&& fn)
      -> result<decltype(fn(std::declval<const typename state_cache<state>::entry&>()))> {
    if (auto hit = cache_.visit(stream, fn)) return std::move(*hit);
    auto loaded = load(stream);
    if (!loaded) return loaded.error();
    return fn(loaded.value());
  }

  // The current durable state of a stream and its version.
  result<typename state_cache<state>::entry> load(const std::string& stream) {
    // Moved out: the cache handed over its own copy, a second one would cost as much again.
    if (auto cached = cache_.get(stream)) return std::move(*cached);
    typename state_cache<state>::entry e{0, D::initial()};
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
        e.state = D::evolve(std::move(e.state), *decoded);
        e.version = ev->record.stream_version();
      }
      if (page.value().size() < options_.replay_page) break;
      next = {e.version + 1};
    }
    cache_.put(stream, e);
    return e;
  }

 private:
  struct attempt {
    command_envelope<D> envelope;
    callback done;
    int retries;
    std::string stream;
  };
  using job_ptr = std::shared_ptr<attempt>;

  static error rejection_error(const typename D::rejection& r) {
    error e = make_error(errc::rejected, r.message_en);
    e.reason = r.code;
    e.field = r.field;
    e.message_vi = r.message_vi;
    return e;
  }

  // Runs jobs until one goes asynchronous; a loop, not recursion, so a long queue cannot overflow the stack.
  void drive(job_ptr job) {
    while (job) job = run(std::move(job));
  }

  // Replies and hands the stream to the next waiting command, which it returns.
  job_ptr finish(const job_ptr& job, result<command_result> r) {
    job_ptr next;
    {
      // Bookkeeping first: once `done` has run, the caller may destroy this pipeline.
      std::lock_guard lk(inflight_mu_);
      auto it = inflight_.find(job->stream);
      it->second.pop_front();
      if (it->second.empty()) {
        inflight_.erase(it);
      } else {
        next = it->second.front();
      }
    }
    job->done(std::move(r));
    return next;
  }

  // One attempt. Returns the next job to run when this one finished synchronously, else null.
  job_ptr run(job_ptr job) {
    auto& env = job->envelope;
    const std::string& stream = job->stream;
    if (job->retries == 0) {
      auto previous = log_.find_command(env.command_id);
      if (!previous) return finish(job, previous.error());
      if (previous.value()) {
        const auto& p = *previous.value();
        return finish(job, command_result{p.stream_id, p.first, p.last, p.version, true});
      }
    }
    auto loaded = load(stream);
    if (!loaded) return finish(job, loaded.error());
    auto current = std::move(loaded).value();
    if (env.expected_version && *env.expected_version != current.version) {
      error e =
          make_error(storage::errc::wrong_expected_version,
                     "expected_version: stream " + stream + " is at version " +
                         std::to_string(current.version) + ", not " + std::to_string(*env.expected_version));
      e.actual_version = current.version;
      return finish(job, std::move(e));
    }
    auto decision = D::decide(current.state, env.command, env.actor, env.now_ms);
    if (auto* refused = std::get_if<typename D::rejection>(&decision))
      return finish(job, rejection_error(*refused));
    auto events = std::get<std::vector<typename D::event>>(std::move(decision));
    if (events.empty()) return finish(job, command_result{stream, {0}, {0}, {current.version}, false});

    storage::append_request request;
    request.stream_id = stream;
    request.expected = storage::expected_version::exact({current.version});
    request.command_id = env.command_id;
    request.recorded_at_ms = env.now_ms;
    request.actor.set_unit_id(D::actor_unit(env.actor));
    request.actor.set_person(D::actor_person(env.actor));
    request.actor.set_role(D::actor_role(env.actor));
    request.correlation_id = env.correlation_id;
    request.causation_id = env.causation_id;
    request.events.reserve(events.size());
    for (const auto& ev : events) request.events.push_back({std::string(D::event_type(ev)), D::encode(ev)});

    auto next_state = std::make_shared<typename state_cache<state>::entry>(std::move(current));
    auto new_events = std::make_shared<std::vector<typename D::event>>(std::move(events));
    log_.append_async(std::move(request),
                      [this, job, next_state, new_events](result<storage::append_result> appended) mutable {
                        drive(on_appended(std::move(job), *next_state, *new_events, std::move(appended)));
                      });
    return nullptr;
  }

  job_ptr on_appended(job_ptr job, typename state_cache<state>::entry& next_state,
                      const std::vector<typename D::event>& new_events,
                      result<storage::append_result> appended) {
    const std::string& stream = job->stream;
    if (appended) {
      const auto& a = appended.value();
      if (!a.duplicate) {
        for (const auto& ev : new_events) next_state.state = D::evolve(std::move(next_state.state), ev);
        next_state.version = a.version.value;
        cache_.put(stream, std::move(next_state));
      }
      return finish(job, command_result{a.stream_id, a.first, a.last, a.version, a.duplicate});
    }
    const error& e = appended.error();
    if (e.code == storage::errc::wrong_expected_version && !job->envelope.expected_version) {
      // Someone outside this pipeline moved the stream: decide again on what is there now.
      cache_.erase(stream);
      if (++job->retries > options_.max_conflict_retries) {
        return finish(job, make_error(errc::conflict_retries_exhausted,
                                      "stream " + stream + " changed concurrently " +
                                          std::to_string(options_.max_conflict_retries) + " times; retry"));
      }
      return job;
    }
    return finish(job, e);
  }

  storage::event_log& log_;
  pipeline_options options_;
  state_cache<state> cache_;
  std::mutex inflight_mu_;
  std::unordered_map<std::string, std::deque<job_ptr>> inflight_;
};

}  // namespace thidua::engine
