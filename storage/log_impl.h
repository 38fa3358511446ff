#pragma once
// Private to storage/: the state behind event_log. The writer, sync and completion threads are in
// log_writer.cc, everything else in event_log.cc.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "storage/event_log.h"
#include "storage/record_codec.h"

namespace thidua::storage {

error status_error(const rocksdb::Status& s, std::string_view what);

struct event_log::impl {
  log_options options;

  // RocksDB. Column family handles are owned here and released before the database closes.
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* events = nullptr;
  rocksdb::ColumnFamilyHandle* streams = nullptr;
  rocksdb::ColumnFamilyHandle* commands = nullptr;
  rocksdb::ColumnFamilyHandle* projections = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints = nullptr;
  rocksdb::ColumnFamilyHandle* timers = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;

  // Readers see positions up to here and no further.
  std::atomic<std::uint64_t> durable_head{0};
  std::atomic<bool> poisoned{false};
  std::atomic<std::uint64_t> stat_appends{0}, stat_events{0}, stat_batches{0}, stat_syncs{0};
  std::array<std::atomic<std::uint64_t>, log_stats::latency_bounds_us.size() + 1> stat_latency{};
  std::atomic<std::uint64_t> stat_latency_sum_us{0};

  // Appends waiting for the writer.
  struct pending {
    append_request request;
    // Each event's record without position, version and prev_hash, serialized on the appender's thread so the
    // writer only prepends those three fields (protobuf reads fields in any order) and hashes.
    std::vector<std::string> bodies;
    append_callback done;
    std::optional<result<append_result>> outcome;
    std::chrono::steady_clock::time_point queued_at;
  };
  // One mutex guards the queue, the hand-over to the sync thread and the flags below.
  std::mutex mu;
  std::condition_variable queue_cv;  // the writer waits here for appends
  std::condition_variable sync_cv;   // the sync thread waits here for written batches
  std::vector<pending> queue;
  bool stopping = false;
  bool writer_done = false;
  bool writer_waiting = false;  // only then do appenders pay for a wake-up
  bool sync_waiting = false;

  // The tail, owned by the writer thread alone.
  std::uint64_t next_position = 1;
  hash256 last_hash = genesis_hash;
  std::unordered_map<std::string, std::uint64_t> versions;
  std::vector<rocksdb::Slice> command_keys;
  std::vector<rocksdb::PinnableSlice> command_values;
  std::vector<rocksdb::Status> command_status;

  // Batches written (not yet synced), handed from the writer to the sync thread in order.
  struct written_batch {
    std::vector<pending> items;
    std::vector<std::string> values;  // the stored values, kept only when a listener is registered
    std::uint64_t last_position = 0;  // 0 when the batch wrote nothing
  };
  std::deque<written_batch> to_sync;
  // Synced (or failed) batches, handed from the sync thread to the completion thread in order.
  std::deque<written_batch> to_complete;
  std::condition_variable complete_cv;
  bool sync_done = false;
  bool completer_waiting = false;

  // Every write to RocksDB after open takes this, so RocksDB never merges another thread's batch into the
  // writer's group: the order is the same (RocksDB writes one group at a time anyway), and ThreadSanitizer
  // can see it (RocksDB's own write-group hand-off is invisible to it in the uninstrumented library).
  std::mutex write_mu;

  std::mutex listeners_mu;
  std::vector<std::pair<std::uint64_t, commit_listener>> listeners;
  std::uint64_t next_listener_id = 1;
  std::atomic<bool> has_listeners{false};

  std::thread writer_thread;
  std::thread sync_thread;
  std::thread complete_thread;

  ~impl();
  result<void> load_tail();
  void start_threads();
  void stop_threads();
  void writer_loop();
  void sync_loop();
  void complete_loop();
  void build_batch(std::vector<pending>& items, written_batch& out, rocksdb::WriteBatch& wb);
  result<std::uint64_t> writer_version(const std::string& stream);
  result<std::uint64_t> stored_version(std::string_view stream, std::uint64_t at_most_position) const;
  result<event_ptr> read_event(std::uint64_t pos) const;
  // Forward over durable records in [from, to]; `visit` returns false to stop, nullopt when the record does
  // not decode. Returns the last position visited.
  result<std::uint64_t> scan_frames(
      std::uint64_t from, std::uint64_t to,
      const std::function<std::optional<bool>(std::uint64_t, const codec::frame&)>& visit) const;
};

}  // namespace thidua::storage
