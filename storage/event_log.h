#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/errc.h"
#include "storage/options.h"
#include "storage/proto/log.pb.h"
#include "storage/record_view.h"
#include "storage/result.h"
#include "storage/types.h"

namespace thidua::storage {

struct proposed_event {
  std::string type;
  std::string payload;
};

// A durable timer of a stream, kept with the appends that set it (engine/timer_service.h fires them). Due at
// `due_ms` (UTC ms, >= 0); `id` names it within its stream; `payload` is what the engine does when it fires
// (opaque here, at most max_event_bytes).
struct timer_entry {
  std::string stream_id;  // in an append_request: empty (the append's own stream)
  std::string id;
  std::int64_t due_ms = 0;
  std::string payload;
};

// One atomic append: all events land in one stream, consecutively, or none does.
struct append_request {
  std::string stream_id;
  expected_version expected = expected_version::any();
  std::string command_id;  // required; a repeat returns the first append's result and writes nothing
  // A digest of what the command asked for (e.g. SHA-256 of its bytes), kept with the command id: a repeat of
  // the id with another digest is refused with command_id_reused instead of answered with the first result.
  // Empty: not compared. At most 64 bytes.
  std::string command_digest;
  // Set when this append depends on earlier appends of the same chain (see append_chain). Default: none.
  std::shared_ptr<append_chain> chain;
  std::vector<proposed_event> events;
  pb::Actor actor;
  std::string correlation_id;
  std::string causation_id;
  std::int64_t recorded_at_ms = 0;
  // Timers of this stream set and cancelled in the same write as the events (only if the append is written:
  // a repeat or a refusal changes no timer). A cancel names the timer as it was set (id and due_ms); a timer
  // set again under another due time is cancelled at the old one and set at the new one.
  std::vector<timer_entry> timers_set;
  std::vector<timer_entry> timers_cancelled;
};

struct append_result {
  std::string stream_id;
  position first;
  position last;
  stream_version version;  // the stream's version after the append
  std::int64_t recorded_at_ms = 0;
  bool duplicate = false;      // true when the command id had been appended before and nothing was written
  std::string command_digest;  // the digest the command id was first appended with
};

// A record read back from the log: the decoded record and its hash.
struct stored_event {
  pb::EventRecord record;
  hash256 hash{};
  position pos() const { return {record.position()}; }
};
using event_ptr = std::shared_ptr<const stored_event>;

// The first place where the chain breaks, or ok.
struct verify_report {
  bool ok = true;
  position first_bad;         // set when !ok
  std::string what;           // why, for people
  position last_checked;      // the last position that was checked and found sound
  hash256 last_hash{};        // its chain hash (a receipt's head hash when last_checked is the head)
  std::uint64_t records = 0;  // how many records were checked
};

// Counters since open, for metrics and benchmarks.
struct log_stats {
  // Upper bounds of the append latency histogram, in microseconds; the last bucket is everything above.
  static constexpr std::array<std::uint64_t, 11> latency_bounds_us{
      100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 100'000, 1'000'000, 5'000'000};
  std::uint64_t appends = 0;  // appends completed (including refused ones)
  std::uint64_t events = 0;   // events written
  std::uint64_t batches = 0;  // WriteBatches written by the writer
  std::uint64_t syncs = 0;    // WAL syncs
  // WAL files since open written over a zeroed spare, and created while none was ready
  // (storage/rocksdb/wal_files.h).
  std::uint64_t wal_files_on_spares = 0;
  std::uint64_t wal_files_without_spare = 0;
  // Appends by latency, from append_async to the callback (queueing, writing and the sync that covers it).
  std::array<std::uint64_t, latency_bounds_us.size() + 1> latency_buckets{};
  std::uint64_t latency_sum_us = 0;
  // What open found: records whose stream index and command ids it wrote again (after a crash, the index
  // lags the records; docs/storage.md), the first of them, and how long that took.
  std::uint64_t reindexed_at_open = 0;
  std::uint64_t reindexed_from = 0;
  std::uint64_t reindex_ms = 0;
};

// Read-model writes of one projection step; committed with the projection's checkpoint in one batch.
class projection_batch {
 public:
  struct op {
    std::string key;
    std::string value;
    bool erase;
  };
  void put(std::string key, std::string value) { ops_.push_back({std::move(key), std::move(value), false}); }
  void erase(std::string key) { ops_.push_back({std::move(key), {}, true}); }
  bool empty() const { return ops_.empty(); }
  void clear() { ops_.clear(); }
  const std::vector<op>& ops() const { return ops_; }

 private:
  std::vector<op> ops_;
};

// The append-only, hash-chained event log: storage's face. Engine, api and tools know the log only through
// this interface; its one backend today is RocksDB (storage/rocksdb/, private to storage: the build refuses
// its headers anywhere else). A second backend implements this class and passes the conformance suite in
// tests/storage/log_conformance.h.
//
// Guarantees every backend keeps: one atomic append lands all its events in one stream, consecutively, or
// none does; an append is acknowledged only once durable (log_options::durability_mode); positions are
// 1, 2, 3… without gaps, and each record's hash chains it to the one before (verify); a command id is
// recorded once and a repeat is answered with the first append's result; appends on one append_chain are
// written in the order they were queued, and once one writes nothing the later ones fail with chain_broken.
// Reads never see an event before it is durable. Commit listeners see every durable batch once, in log
// order. Concurrency: every member may be called from any thread. append callbacks and commit listeners run
// on the log's own thread, in log order: they must be quick and must not wait for another append. A failed
// write or sync poisons the log: every later append fails with log_poisoned until the process reopens it.
class event_log {
 public:
  using append_callback = std::function<void(result<append_result>)>;
  // Called with each durable batch of new events, in order, on the log's thread.
  using commit_listener = std::function<void(const std::vector<event_ptr>&)>;

  // Opens the log in `options.path` (on RocksDB, the one backend today).
  static result<std::unique_ptr<event_log>> open(log_options options);
  // Copies a backup made by backup_to into `data_dir` (must be missing or empty). The log must not be open on
  // data_dir.
  // `progress` (optional) hears the bytes copied so far and the backup's size, after each file.
  using copy_progress = std::function<void(std::uint64_t copied, std::uint64_t total)>;
  static result<void> restore(const std::string& backup_dir, const std::string& data_dir,
                              const copy_progress& progress = {});

  // Completes everything queued (or fails it with shutting_down) and closes the log.
  virtual ~event_log() = default;
  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;

  // Validates, then queues the append; `done` runs once, on the log's thread, or inline on a validation
  // error (never inline for an append on a chain: its refusal is queued, so that it breaks the chain in
  // order) or when the log is shutting down.
  virtual void append_async(append_request request, append_callback done) = 0;
  // Blocking form of append_async.
  result<append_result> append(append_request request);

  // The result of an earlier append by this command id, if any (with the digest it was appended with).
  virtual result<std::optional<append_result>> find_command(std::string_view command_id) const = 0;

  // The last durable position (0 when the log is empty).
  virtual position head() const = 0;
  // The durable version of a stream (0 when it does not exist).
  virtual result<stream_version> stream_head(std::string_view stream_id) const = 0;

  // Events of one stream from version `from` (inclusive), at most `max`.
  virtual result<std::vector<event_ptr>> read_stream(std::string_view stream_id, stream_version from,
                                                     std::size_t max) const = 0;
  // Events of the whole log from position `from` (inclusive), at most `max`, in the given direction.
  virtual result<std::vector<event_ptr>> read_all(position from, std::size_t max,
                                                  direction dir = direction::forward) const = 0;
  // Fast forward scan for replays: `visit` sees each record (a reused object) until it returns false or `to`
  // is passed. Returns the last position visited.
  virtual result<position> scan(
      position from, position to,
      const std::function<bool(const pb::EventRecord&, const hash256&)>& visit) const = 0;
  // The fastest replay: like scan, but each record is decoded in place (record_view: views into the stored
  // bytes, valid only during the call).
  virtual result<position> scan_views(
      position from, position to,
      const std::function<bool(const record_view&, const hash256&)>& visit) const = 0;

  // Walks the chain over [from, to] and names the first record that was altered, removed or reordered.
  virtual result<verify_report> verify(position from, position to) const = 0;

  // Registers a listener for durable batches. Returns an id for remove_commit_listener.
  virtual std::uint64_t add_commit_listener(commit_listener listener) = 0;
  virtual void remove_commit_listener(std::uint64_t id) = 0;

  // Read models. `name` is a projection's name: [a-z0-9_.-], at most 64 bytes.
  virtual result<void> commit_projection(std::string_view name, projection_batch& batch,
                                         position checkpoint) = 0;
  virtual result<position> projection_checkpoint(std::string_view name) const = 0;
  virtual result<std::optional<std::string>> projection_get(std::string_view name,
                                                            std::string_view key) const = 0;
  // Visits the projection's keys that start with `prefix`, in key order, until `visit` returns false.
  result<void> projection_scan(
      std::string_view name, std::string_view prefix,
      const std::function<bool(std::string_view key, std::string_view value)>& visit) const {
    return projection_scan_from(name, prefix, prefix, visit);
  }
  // The same from the first key at or after `from` (which starts with `prefix`): a cursor into a long list.
  virtual result<void> projection_scan_from(
      std::string_view name, std::string_view prefix, std::string_view from,
      const std::function<bool(std::string_view key, std::string_view value)>& visit) const = 0;
  // Erases a projection's read model and checkpoint (for a rebuild from position 0).
  virtual result<void> reset_projection(std::string_view name) = 0;

  // Durable timers (append_request::timers_set), in due order, then by stream and id.
  // Those due at or before `up_to_ms`, at most `max`.
  virtual result<std::vector<timer_entry>> due_timers(std::int64_t up_to_ms, std::size_t max) const = 0;
  // The due time of the earliest timer, if any.
  virtual result<std::optional<std::int64_t>> next_timer_due() const = 0;
  // Whether the timer (stream_id, id, due_ms) is set.
  virtual result<bool> has_timer(const timer_entry& timer) const = 0;
  // Removes a timer (stream_id, id, due_ms) outside any append: for a timer that fired and recorded nothing.
  // Not synced: a removal lost in a crash leaves the timer to fire again, which its firing must bear (the
  // engine's does: its command id is the timer's own). Removing a timer that is not there succeeds.
  virtual result<void> remove_timer(const timer_entry& timer) = 0;
  // Online, consistent copy of the log to `dir` (must not exist). Safe while appends run. `progress`
  // (optional) hears the bytes copied so far and about how many there are, a few times a second while the
  // copy runs (on the same file system it links files and is done at once), and once more when it is
  // complete.
  virtual result<void> backup_to(const std::string& dir, const copy_progress& progress) const = 0;
  result<void> backup_to(const std::string& dir) const { return backup_to(dir, {}); }

  virtual const log_options& options() const = 0;
  virtual log_stats stats() const = 0;

 protected:
  event_log() = default;
};

}  // namespace thidua::storage
