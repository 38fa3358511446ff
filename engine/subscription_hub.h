#pragma once

#include <any>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/serial_executor.h"
#include "storage/event_log.h"

namespace thidua::engine {

// What the read side works out once per event for every subscriber's filter (e.g. the cycle's members), made
// by hub_hooks::annotate; empty when there is no annotator.
using event_note = std::any;

// Which events a subscriber wants. Empty lists match everything.
struct event_filter {
  std::vector<std::string> stream_prefixes;  // an event matches if its stream id starts with one of these
  std::vector<std::string> event_types;      // ... and its type is one of these
  // An extra predicate (e.g. what a token may read), given the event's note; null means none.
  std::function<bool(const storage::stored_event&, const event_note&)> allow;

  bool matches(const storage::stored_event& e, const event_note& note) const;
};

// The read side's part in fan-out, run on the hub's fan-out thread for each durable batch, in this order,
// before any subscriber's filter sees the batch.
struct hub_hooks {
  // Learns the batch: whatever the filters consult (an index of memberships) is up to date with an event
  // before any filter meets it — because the hub calls this first, not because of the order of registration.
  std::function<void(const std::vector<storage::event_ptr>&)> learn;
  // The event's note, made once and handed to every filter (also for events read back while catching up).
  std::function<event_note(const storage::stored_event&)> annotate;
};

struct hub_options {
  // Events a live subscriber may have queued before it falls back to reading the log. Default: 1,024.
  std::size_t queue_capacity = 1024;
  // Events read from the log per catch-up page. Default: 512.
  std::size_t catchup_page = 512;
};

// One subscriber's view: history from its start position, then live events, in order, with no gap and no
// duplicate. The consumer pulls with poll(); on_ready tells it (from the hub's fan-out thread) that there
// is something to pull after poll() had found nothing. Concurrency: poll() from one consumer thread at a
// time; everything else is internally locked.
class subscription {
 public:
  struct item {
    storage::event_ptr event;     // null for the caught-up marker
    storage::position caught_up;  // set with the marker: the head the subscriber has caught up with
  };

  // Up to `max` items, never blocking on other subscribers. Reads the log while catching up.
  result<std::vector<item>> poll(std::size_t max);
  // The next position this subscriber will deliver.
  storage::position next_position() const;
  bool live() const;
  // How many times it fell back from live to catching up because its queue overflowed.
  std::uint64_t overflows() const;
  std::size_t queued() const;
  void close();

 private:
  friend class subscription_hub;
  enum class mode { catching_up, live, closed };

  subscription(class subscription_hub& hub, event_filter filter, storage::position from,
               std::function<void()> ready);
  // Called by the hub with the hub's lock held; notes[i] belongs to batch[i] (or notes is empty).
  void on_batch(const std::vector<storage::event_ptr>& batch, const std::vector<event_note>& notes,
                std::size_t capacity);

  class subscription_hub& hub_;
  const event_filter filter_;
  std::function<void()> ready_;
  mutable std::mutex mu_;
  mode mode_ = mode::catching_up;
  std::uint64_t next_ = 1;  // next position to deliver or queue
  std::deque<storage::event_ptr> queue_;
  bool marker_pending_ = false;
  std::uint64_t marker_head_ = 0;
  bool waiting_ = true;  // the consumer found nothing on its last poll: wake it on news
  std::uint64_t overflows_ = 0;
};

// Fans durable events out to subscriptions, and lets a lagging subscription catch up from the log.
// Threads: the log hands each durable batch over and goes on; the hub's own fan-out thread runs the
// subscribers' filters (application code, possibly slow) and wakes them, so no filter delays an append's
// acknowledgement. Lifecycle: construct after the log is open; destroy before the log (it delivers what it
// was handed first). Subscriptions must not outlive it. Limits: each live subscription queues at most
// hub_options::queue_capacity events; past that it reads from the log instead, so memory does not grow with a
// slow consumer.
class subscription_hub {
 public:
  explicit subscription_hub(storage::event_log& log, hub_options options = {}, hub_hooks hooks = {});
  ~subscription_hub();
  subscription_hub(const subscription_hub&) = delete;
  subscription_hub& operator=(const subscription_hub&) = delete;

  // from: the first position to deliver (1 = the whole log); 0 = from now (only events after the head).
  std::shared_ptr<subscription> subscribe(event_filter filter, storage::position from,
                                          std::function<void()> on_ready = {});
  std::size_t subscribers() const;
  storage::position last_published() const;
  // How far the furthest-behind subscription is from `head`: events it has not been handed yet.
  std::uint64_t max_lag(storage::position head) const;

 private:
  friend class subscription;
  void publish(const std::vector<storage::event_ptr>& batch);
  void detach(subscription* s);
  event_note note_of(const storage::stored_event& e) const;

  storage::event_log& log_;
  const hub_options options_;
  const hub_hooks hooks_;
  mutable std::mutex mu_;  // guards subs_ and last_published_; taken before a subscription's own lock
  std::vector<subscription*> subs_;
  std::uint64_t last_published_ = 0;
  std::uint64_t listener_id_ = 0;
  // Last, so it is destroyed first: it delivers what the log handed over while the rest still exists.
  serial_executor fan_out_{"fan-out"};
};

}  // namespace thidua::engine
