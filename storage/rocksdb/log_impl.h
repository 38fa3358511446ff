#pragma once
// The state behind rocksdb_log. The log and index threads are in log_writer.cc, everything else in
// rocksdb_log.cc.

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

#include "storage/rocksdb/command_id_set.h"
#include "storage/rocksdb/private.h"
#include "storage/rocksdb/record_codec.h"
#include "storage/rocksdb/rocksdb_log.h"
#include "storage/rocksdb/wal_files.h"

namespace thidua::storage {

error status_error(const rocksdb::Status& s, std::string_view what);

struct rocksdb_log::impl {
  log_options options;

  // Zeroed WAL files for RocksDB (sync durability only); declared before `db` so it outlives it.
  std::unique_ptr<wal_file_pool> wal_pool;
  std::unique_ptr<rocksdb::Env> env;  // for `options.file_system` without spares; outlives `db` too
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
  // Set once by open (load_tail), read-only after.
  std::uint64_t reindexed_at_open = 0, reindexed_from = 0, reindex_ms = 0;
  // Opened read-only over an index that a crash left behind its records: the first position it lacks (0:
  // none).
  std::uint64_t unindexed_from = 0;

  // Appends waiting for the log thread.
  struct pending {
    append_request request;
    // Each event's record without position, version and prev_hash, serialized on the appender's thread so the
    // log thread only prepends those three fields (protobuf reads fields in any order) and hashes.
    std::vector<std::string> bodies;
    append_callback done;
    std::optional<result<append_result>> outcome;
    std::chrono::steady_clock::time_point queued_at;
  };
  std::mutex mu;  // guards the queue and the flags below
  std::condition_variable queue_cv;
  std::vector<pending> queue;
  bool stopping = false;
  bool log_waiting = false;  // only then do appenders pay for a wake-up

  // The tail, owned by the log thread alone.
  std::uint64_t next_position = 1;
  hash256 last_hash = genesis_hash;
  std::unordered_map<std::string, std::uint64_t> versions;
  command_id_set batch_commands;
  std::vector<rocksdb::Slice> command_keys;
  std::vector<rocksdb::PinnableSlice> command_values;
  std::vector<rocksdb::Status> command_status;

  // One batch of appends on its way through the log thread.
  struct written_batch {
    std::vector<pending> items;
    std::vector<std::string> values;  // the stored values, kept only when a listener is registered
    std::vector<event_ptr> decoded;   // the same, decoded for the listeners by the index thread
    std::uint64_t last_position = 0;  // 0 when the batch wrote nothing
  };

  // The index thread builds a batch's stream index and command ids while the log thread writes the batch's
  // records, writes them while the log thread syncs the records, and decodes the records for the listeners.
  // Guarded by `index_mu`.
  struct index_job {
    enum records_state { pending, written, failed };
    rocksdb::WriteBatch* index = nullptr;
    written_batch* batch = nullptr;
    records_state records = pending;
    bool done = false;
    rocksdb::Status status;
  };
  std::mutex index_mu;
  std::condition_variable index_cv;
  index_job* index_pending = nullptr;
  bool index_stopping = false;
  bool index_waiting = false;  // the index thread waits for a job
  bool log_waits_for_index = false;
  bool index_waits_for_records = false;

  // Every write to RocksDB after open takes this, so RocksDB never merges another thread's batch into the
  // log's group: the order is the same (RocksDB writes one group at a time anyway), and ThreadSanitizer
  // can see it (RocksDB's own write-group hand-off is invisible to it in the uninstrumented library).
  std::mutex write_mu;

  std::mutex listeners_mu;
  std::vector<std::pair<std::uint64_t, commit_listener>> listeners;
  std::uint64_t next_listener_id = 1;
  std::atomic<bool> has_listeners{false};

  std::thread log_thread;
  std::thread index_thread;

  ~impl();
  result<void> load_tail();
  void start_threads();
  void stop_threads();
  void log_loop();
  void index_loop();
  // Writes, syncs and indexes one batch; fills in every item's outcome.
  void write_batch(written_batch& batch, rocksdb::WriteBatch& records, rocksdb::WriteBatch& index);
  // Hands the batch to the listeners and its appends to their callbacks, in log order.
  void complete(written_batch& batch);
  // Decides each append of the batch (repeat? expected version?) and fills `records` with the events of the
  // accepted ones and the chain head.
  void build_batch(std::vector<pending>& items, written_batch& out, rocksdb::WriteBatch& records);
  // Adds the stream-index entries, command ids and index marks of what `batch` wrote to `index`.
  void build_index(const written_batch& batch, rocksdb::WriteBatch& index) const;
  // Writes the stream index and command ids of records in (from, to] (synced, with the marks): after a crash
  // lost index entries that had not been flushed, and once for a data dir written before the marks existed.
  result<void> rebuild_index(std::uint64_t from, std::uint64_t to);
  // Visits the records of `stream` from `from_version` among those past the index (unindexed_from), up to
  // `limit`, in order, while `visit` says true.
  result<void> scan_unindexed(std::string_view stream, std::uint64_t from_version, std::uint64_t limit,
                              const std::function<bool(event_ptr)>& visit) const;
  // The stream's version as the log thread knows it, cached; the pointer is valid until the next call.
  result<std::uint64_t*> writer_version(const std::string& stream);
  result<std::uint64_t> stored_version(std::string_view stream, std::uint64_t at_most_position) const;
  result<event_ptr> read_event(std::uint64_t pos) const;
  // Forward over durable records in [from, to]; `visit` returns false to stop, nullopt when the record does
  // not decode. Returns the last position visited.
  result<std::uint64_t> scan_frames(
      std::uint64_t from, std::uint64_t to,
      const std::function<std::optional<bool>(std::uint64_t, const codec::frame&)>& visit) const;
};

}  // namespace thidua::storage
