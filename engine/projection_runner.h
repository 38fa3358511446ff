#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/event_log.h"
#include "storage/record_view.h"

namespace thidua::engine {

class log_read_ahead;

// Committed values of a read model kept in memory by its runner (nullopt = known to be absent).
using projection_values = std::unordered_map<std::string, std::optional<std::string>>;

// What a projection may read and write while it applies events: reads see the step's own writes first, then
// the committed values the runner keeps in memory, then the stored read model.
class projection_context {
 public:
  projection_context(const storage::event_log& log, std::string name, projection_values* committed = nullptr)
      : log_(log), name_(std::move(name)), committed_(committed) {}
  result<std::optional<std::string>> get(const std::string& key) const;
  void put(std::string key, std::string value);
  void erase(std::string key);

 private:
  friend class projection_runner;
  const storage::event_log& log_;
  std::string name_;
  projection_values* committed_;
  std::map<std::string, std::optional<std::string>> pending_;  // nullopt = erased
};

// A read model built from the log. apply() must be deterministic: a rebuild from position 0 must give the
// same read model as the live run did.
//
// The runner applies events a step at a time: begin_step, apply for each event, end_step, then it commits the
// step's writes with its checkpoint. A projection may keep what it decoded across the events of a step and
// write it once, in end_step (a step's events often touch the same few values). A step that fails is begun
// again, so whatever a projection keeps must start afresh in begin_step.
class projection {
 public:
  virtual ~projection() = default;
  // Stable name: [a-z0-9_.-], at most 64 bytes. Changing it starts a new read model.
  virtual std::string name() const = 0;
  virtual void begin_step(projection_context&) {}
  // The record's views are valid during the call only.
  virtual result<void> apply(const storage::record_view& event, projection_context& ctx) = 0;
  virtual result<void> end_step(projection_context&) { return success(); }
};

struct runner_options {
  // Events applied per committed step (read-model writes and checkpoint in one batch). Default: 512.
  std::size_t batch_events = 512;
  // Events applied per step when the runner reads them from the log (catching up after a start, or a
  // rebuild): a longer step reads the log in longer runs and writes each touched value once for more events.
  // Default: 8,192.
  std::size_t catch_up_batch_events = 8192;
  // Events kept from the log's commit notices, so a runner that keeps up applies them without reading the log
  // again. Default: 4,096.
  std::size_t recent_events = 4096;
  // Read-model values kept in memory after they are committed (hot views are read again by the next event).
  // Default: 10,000 keys; past it the memory is emptied.
  std::size_t cached_values = 10'000;
  // When nobody waits for the read model (when_applied), a step waits up to this long for more events, so a
  // burst costs one commit instead of one per log batch. Default: 2 ms; 0 applies every batch at once.
  std::chrono::milliseconds gather_delay{2};
};

// Runs one projection on its own thread: reads the log from the projection's checkpoint, applies events in
// order, and commits each step's writes with the new checkpoint in one WriteBatch. After a restart it resumes
// from its checkpoint.
//
// Generations: a rebuild builds a new generation of the read model beside the one that serves, from position
// 1, a step at a time between the serving steps; once it has caught up with the serving one, the runner
// serves it (one write names it in the log's "engine.generations" read model) and erases the old one 30 s
// later (readers that took the old name finish first) or at the next start. A runner restarted in the middle
// of a rebuild resumes it from its checkpoint. The first generation is stored under the projection's name,
// the Nth (N ≥ 2) under "<name>.g<N>": readers ask serving_name(). Lifecycle: start() once, stop() (or the
// destructor) once. rebuild() may be called while running. Concurrency: all members are thread-safe.
class projection_runner {
 public:
  projection_runner(storage::event_log& log, projection& p, runner_options options = {});
  ~projection_runner();
  projection_runner(const projection_runner&) = delete;
  projection_runner& operator=(const projection_runner&) = delete;

  void start();
  void stop();
  // Starts building a new generation from position 1 beside the serving one (see above). Returns once the
  // rebuild is recorded (a rebuild already under way goes on); rebuilding() follows it. Before start(), the
  // rebuild is recorded and start() runs it.
  result<void> rebuild();
  struct rebuild_progress {
    bool running = false;
    std::string into;            // the generation being built
    std::uint64_t position = 0;  // how far it is …
    std::uint64_t target = 0;    // … of the serving generation's checkpoint
  };
  rebuild_progress rebuilding() const;
  // Where the serving generation is stored: what readers pass to the log's projection_get / projection_scan.
  std::string serving_name() const;
  // The same, read from the log (for a reader that needs it before start, or without a runner).
  static result<std::string> stored_serving_name(const storage::event_log& log,
                                                 const std::string& projection);
  // Erases every generation of a read model (one that a new version of the projection replaced).
  static result<void> erase_all(storage::event_log& log, const std::string& projection);
  // Waits until the projection has applied position `p`; false on timeout.
  bool wait_for(storage::position p, std::chrono::milliseconds timeout);
  // Calls `reached(true)` once the projection has applied position `p` (at once if it has), or
  // `reached(false)` when `timeout` passes or the runner stops first. Runs on the runner's thread or the
  // caller's: keep it quick.
  void when_applied(storage::position p, std::chrono::milliseconds timeout,
                    std::function<void(bool reached)> reached);
  storage::position checkpoint() const;
  // The last error the projection stopped on, if it is stuck.
  std::optional<error> failure() const;

 private:
  void loop();
  void expire_loop();
  // Applies and commits events from `from` on (at most up to `to`). Returns the last position committed
  // (from - 1 when none) and, if an event could not be applied, why: the events before it are committed.
  struct step_outcome {
    std::uint64_t last = 0;
    std::optional<error> failure;
  };
  // Into the read model stored as `name`, with its value cache; events from the commit notices only when
  // `from_notices` (the serving generation follows the head; a rebuild reads the log).
  step_outcome step(const std::string& name, projection_values& values, bool from_notices, std::uint64_t from,
                    std::uint64_t to = UINT64_MAX);
  // Records a new generation to build; on the runner's thread.
  result<void> start_build();
  // One step of the rebuild, and the swap once it caught up; on the runner's thread.
  void build_step();
  // Erases the retired generation once readers had time to finish with it; on the runner's thread.
  void retire_old();
  std::string name_of(std::uint64_t generation) const;
  // Writes which generations serve, build and wait to be erased.
  result<void> record_generations(std::uint64_t serving, std::uint64_t building, std::uint64_t retired);
  // Events the notices announced that are not applied yet; call with mu_ held.
  std::uint64_t unapplied() const;
  // The events from `from` on that the commit notices delivered, contiguous, at most one batch.
  std::vector<storage::event_ptr> take_recent(std::uint64_t from);

  storage::event_log& log_;
  projection& projection_;
  const runner_options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;      // new events, stop or rebuild
  std::condition_variable applied_;   // checkpoint moved
  std::condition_variable deadline_;  // a waiter was added, or stop
  std::uint64_t checkpoint_ = 0;
  std::uint64_t head_seen_ = 0;
  bool stopping_ = false;
  bool rebuild_requested_ = false;
  std::optional<error> rebuild_failure_;  // why the last requested rebuild could not start
  std::uint64_t serving_gen_ = 1;
  std::uint64_t building_gen_ = 0;  // 0: no rebuild
  std::uint64_t retired_gen_ = 0;   // 0: nothing to erase
  std::chrono::steady_clock::time_point retire_at_;
  std::uint64_t build_checkpoint_ = 0;
  projection_values build_values_;  // the runner thread's alone
  bool gathering_ = false;          // the loop lets a burst gather before its next step
  int blocking_waiters_ = 0;        // callers inside wait_for
  std::optional<error> failure_;
  std::uint64_t listener_id_ = 0;
  std::deque<storage::event_ptr> recent_;  // from the commit notices, in log order
  projection_values values_;               // the runner thread's alone
  // Steps that read the log take their events from these (one per read model stored, the serving one and
  // the one being built); the runner thread's alone.
  std::unordered_map<std::string, std::unique_ptr<log_read_ahead>> read_ahead_;
  struct waiter {
    std::chrono::steady_clock::time_point deadline;
    std::function<void(bool)> reached;
  };
  // Takes the waiters that are due (reached or expired) out of waiters_; call them without mu_ held.
  std::vector<std::pair<waiter, bool>> take_due_waiters();
  std::multimap<std::uint64_t, waiter> waiters_;  // by the position they wait for
  std::thread thread_;
  std::thread expirer_;  // answers waiters whose deadline passed
};

}  // namespace thidua::engine
