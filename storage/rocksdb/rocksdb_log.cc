#include "storage/rocksdb/rocksdb_log.h"

#include <rocksdb/cache.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/utilities/table_properties_collectors.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>

#include "storage/rocksdb/keys.h"
#include "storage/rocksdb/log_impl.h"
#include "storage/rocksdb/record_body.h"
#include "storage/rocksdb/record_codec.h"
#include "storage/validate.h"

namespace thidua::storage {
namespace {

rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}

// The stream id part of a stream-index key (up to and including its 0x00). RocksDB keeps one insert hint per
// prefix, so appends to many streams at once still insert each stream's keys in order cheaply.
class stream_id_prefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "thidua.stream_id_prefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* zero = std::memchr(key.data(), 0, key.size());
    return {key.data(),
            zero ? static_cast<std::size_t>(static_cast<const char*>(zero) - key.data()) + 1 : key.size()};
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return std::memchr(key.data(), 0, key.size()) != nullptr;
  }
};

result<event_ptr> decode_value(std::string_view value, std::uint64_t expected_position) {
  auto f = codec::parse_frame(value);
  auto ev = std::make_shared<stored_event>();
  if (!f || !ev->record.ParseFromArray(f->record.data(), static_cast<int>(f->record.size()))) {
    return make_error(errc::corruption, "event at position " + std::to_string(expected_position) +
                                            " does not decode; run verify");
  }
  ev->hash = f->hash;
  return event_ptr(std::move(ev));
}

}  // namespace

// A new data dir is named in its parent durably before anything in it is acknowledged: RocksDB syncs the
// directories it writes in, not the one above them, and an unsynced mkdir may vanish in a power cut.
result<void> create_dir_durably(rocksdb::FileSystem& fs, const std::string& path) {
  const rocksdb::IOOptions io;
  const std::filesystem::path full = std::filesystem::absolute(path).lexically_normal();
  std::filesystem::path at = full.root_path();
  for (const auto& part : full.relative_path()) {
    if (part.empty()) continue;
    const std::filesystem::path parent = at;
    at /= part;
    if (fs.FileExists(at.string(), io, nullptr).ok()) continue;
    rocksdb::IOStatus s = fs.CreateDirIfMissing(at.string(), io, nullptr);
    std::unique_ptr<rocksdb::FSDirectory> dir;
    if (s.ok()) s = fs.NewDirectory(parent.string(), io, &dir, nullptr);
    if (s.ok()) s = dir->Fsync(io, nullptr);
    if (!s.ok()) return status_error(s, "creating the data dir " + at.string());
  }
  return success();
}

error status_error(const rocksdb::Status& s, std::string_view what) {
  errc code = s.IsCorruption() ? errc::corruption : errc::io_error;
  return make_error(code, std::string(what) + ": " + s.ToString());
}

rocksdb_log::impl::~impl() {
  for (auto* h : handles) {
    if (db && h) ignore_result(db->DestroyColumnFamilyHandle(h));
  }
  handles.clear();
  if (db) ignore_result(db->Close());
}

result<void> rocksdb_log::impl::load_tail() {
  rocksdb::ReadOptions ro;
  std::string v;
  rocksdb::Status s = db->Get(ro, meta, slice(keys::meta_schema_version), &v);
  if (s.IsNotFound() && options.read_only) {
    return make_error(errc::not_found, "no event log in " + options.path + " yet (never opened for writing)");
  } else if (s.IsNotFound()) {
    rocksdb::WriteBatch fresh;
    fresh.Put(meta, slice(keys::meta_schema_version), keys::u64_be(keys::schema_version));
    fresh.Put(streams, slice(keys::index_mark), keys::u64_be(0));
    fresh.Put(commands, slice(keys::index_mark), keys::u64_be(0));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db->Write(wo, &fresh);
    if (!s.ok()) return status_error(s, "writing the schema version");
  } else if (!s.ok()) {
    return status_error(s, "reading the schema version");
  } else if (v.size() != 8 || keys::get_u64_be(v) != keys::schema_version) {
    const std::string found = v.size() == 8 ? std::to_string(keys::get_u64_be(v)) : "(unreadable)";
    return make_error(errc::corruption, "the data dir has schema version " + found +
                                            "; this build reads version " +
                                            std::to_string(keys::schema_version) +
                                            " only (docs/storage.md): use the build that wrote it");
  }

  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, events));
  it->SeekToLast();
  if (!it->status().ok()) return status_error(it->status(), "finding the log's tail");
  std::uint64_t last = 0;
  if (it->Valid()) {
    last = keys::get_u64_be(it->key().ToStringView());
    auto f = codec::parse_frame(it->value().ToStringView());
    if (!f) return make_error(errc::corruption, "the last record does not decode; run verify");
    last_hash = f->hash;
  }
  s = db->Get(ro, meta, slice(keys::meta_chain_head), &v);
  if (!s.ok() && !s.IsNotFound()) return status_error(s, "reading the chain head");
  std::uint64_t recorded = 0;
  if (s.ok()) {
    pb::ChainHead head;
    if (!head.ParseFromString(v)) return make_error(errc::corruption, "the chain head does not decode");
    recorded = head.position();
  }
  // The records and the head are written in one batch, so they can only disagree if someone cut the tail.
  if (recorded != last) {
    return make_error(errc::tampered, "the chain head names position " + std::to_string(recorded) +
                                          " but the last record is at " + std::to_string(last));
  }

  // The index is written without the WAL beside its records' sync (see log_writer.cc): after a crash each
  // index column family holds what it had flushed, up to its own mark. A data dir from before the marks has
  // none and is indexed again from the start, which rewrites the same entries.
  std::uint64_t indexed = last;
  bool unmarked = false;
  for (auto* cf : {streams, commands}) {
    s = db->Get(ro, cf, slice(keys::index_mark), &v);
    if (s.IsNotFound()) {
      unmarked = true;
      indexed = 0;
      continue;
    }
    if (!s.ok()) return status_error(s, "reading the index mark");
    if (v.size() != 8) return make_error(errc::corruption, "the index mark is not 8 bytes");
    const std::uint64_t mark = keys::get_u64_be(v);
    if (mark > last) {
      return make_error(errc::tampered, "the index reaches position " + std::to_string(mark) +
                                            " but the last record is at " + std::to_string(last));
    }
    indexed = std::min(indexed, mark);
  }
  if ((indexed < last || unmarked) && options.read_only) {
    // Nothing may be written: reads of a stream scan the records past the index instead.
    unindexed_from = indexed + 1;
  } else if (indexed < last || unmarked) {
    const auto started = std::chrono::steady_clock::now();
    if (auto r = rebuild_index(indexed, last); !r) return r;
    reindexed_at_open = last - indexed;
    reindexed_from = indexed + 1;
    reindex_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count());
  }
  next_position = last + 1;
  durable_head.store(last);
  return success();
}

result<void> rocksdb_log::impl::rebuild_index(std::uint64_t from, std::uint64_t to) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::WriteBatch wb;
  // One append's events are consecutive and share its command id; its outcome is written when it ends.
  pb::AppendOutcome run;
  std::string run_command;
  std::uint64_t written_through = from;
  const auto end_run = [&] {
    if (run_command.empty()) return;
    wb.Put(commands, run_command, run.SerializeAsString());
    written_through = run.last_position();
    run_command.clear();
  };
  const auto write = [&]() -> result<void> {
    wb.Put(streams, slice(keys::index_mark), keys::u64_be(written_through));
    wb.Put(commands, slice(keys::index_mark), keys::u64_be(written_through));
    rocksdb::Status st = db->Write(wo, &wb);
    if (!st.ok()) return status_error(st, "rebuilding the stream index");
    wb.Clear();
    return success();
  };
  pb::EventRecord record;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), events));
  for (it->Seek(keys::event_key(from + 1)); it->Valid(); it->Next()) {
    const std::uint64_t pos = keys::get_u64_be(it->key().ToStringView());
    if (pos > to) break;
    auto f = codec::parse_frame(it->value().ToStringView());
    if (!f || !record.ParseFromArray(f->record.data(), static_cast<int>(f->record.size())))
      return make_error(errc::corruption, "position " + std::to_string(pos) + " does not decode; run verify");
    if (record.command_id() != run_command || record.stream_id() != run.stream_id()) {
      end_run();
      if (wb.Count() >= 4096) {
        if (auto r = write(); !r) return r;
      }
      run_command = record.command_id();
      run.Clear();
      run.set_stream_id(record.stream_id());
      run.set_first_position(pos);
      run.set_recorded_at_ms(record.recorded_at_ms());
      run.set_command_digest(record.command_digest());
    }
    run.set_last_position(pos);
    run.set_stream_version(record.stream_version());
    wb.Put(streams, keys::stream_key(record.stream_id(), record.stream_version()), keys::u64_be(pos));
  }
  if (!it->status().ok()) return status_error(it->status(), "rebuilding the stream index");
  end_run();
  written_through = to;
  return write();
}

result<std::uint64_t> rocksdb_log::impl::stored_version(std::string_view stream,
                                                        std::uint64_t at_most) const {
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, streams));
  const std::string prefix = keys::stream_prefix(stream);
  it->SeekForPrev(keys::stream_key(stream, UINT64_MAX));
  for (; it->Valid() && it->key().starts_with(prefix); it->Prev()) {
    if (keys::get_u64_be(it->value().ToStringView()) <= at_most)
      return keys::get_u64_be(it->key().ToStringView().substr(prefix.size()));
  }
  if (!it->status().ok()) return status_error(it->status(), "reading the stream index");
  return std::uint64_t{0};
}

result<void> rocksdb_log::impl::scan_unindexed(std::string_view stream, std::uint64_t from_version,
                                               std::uint64_t limit,
                                               const std::function<bool(event_ptr)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), events));
  for (it->Seek(keys::event_key(unindexed_from)); it->Valid(); it->Next()) {
    const std::uint64_t pos = keys::get_u64_be(it->key().ToStringView());
    if (pos > limit) break;
    auto ev = decode_value(it->value().ToStringView(), pos);
    if (!ev) return ev.error();
    const auto& r = ev.value()->record;
    if (r.stream_id() != stream || r.stream_version() < from_version) continue;
    if (!visit(std::move(ev).value())) break;
  }
  if (!it->status().ok()) return status_error(it->status(), "reading the records past the index");
  return success();
}

result<event_ptr> rocksdb_log::impl::read_event(std::uint64_t pos) const {
  std::string v;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), events, keys::event_key(pos), &v);
  if (s.IsNotFound()) return make_error(errc::corruption, "position " + std::to_string(pos) + " is missing");
  if (!s.ok()) return status_error(s, "reading an event");
  return decode_value(v, pos);
}

rocksdb_log::rocksdb_log(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

rocksdb_log::~rocksdb_log() {
  impl_->stop_threads();
}

const log_options& rocksdb_log::options() const {
  return impl_->options;
}

log_stats rocksdb_log::stats() const {
  log_stats s;
  s.appends = impl_->stat_appends.load();
  s.events = impl_->stat_events.load();
  s.batches = impl_->stat_batches.load();
  s.syncs = impl_->stat_syncs.load();
  if (impl_->wal_pool) {
    const auto w = impl_->wal_pool->stats();
    s.wal_files_on_spares = w.used;
    s.wal_files_without_spare = w.missed;
  }
  for (std::size_t b = 0; b < s.latency_buckets.size(); ++b)
    s.latency_buckets[b] = impl_->stat_latency[b].load();
  s.latency_sum_us = impl_->stat_latency_sum_us.load();
  s.reindexed_at_open = impl_->reindexed_at_open;
  s.reindexed_from = impl_->reindexed_from;
  s.reindex_ms = impl_->reindex_ms;
  return s;
}

result<std::unique_ptr<event_log>> rocksdb_log::open(log_options options) {
  if (options.path.empty()) return make_error(errc::invalid_argument, "path: the data dir must be named");
  auto im = std::make_unique<impl>();
  im->options = options;

  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing && !options.read_only;
  db_options.create_missing_column_families = db_options.create_if_missing;
  // Read-only beside a writer: every table opened now, so a compaction of the writer's that deletes one
  // cannot take it away before it is read.
  if (options.read_only) db_options.max_open_files = -1;
  db_options.max_background_jobs = 2;
  // Recover to the last consistent batch after a crash; a torn tail of the WAL is dropped.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db_options.manual_wal_flush = false;
  // The stream index's per-stream insert hints are only used by non-concurrent memtable writes; every write
  // is serialized by `write_mu` anyway.
  db_options.allow_concurrent_memtable_write = false;

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (std::string_view name : keys::column_families) {
    rocksdb::ColumnFamilyOptions cf;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    // Debian's librocksdb is built portable: its CRC32C is the table-driven one (~1.1 GB/s here), which every
    // flush and compaction paid per block. XXH3 is fast without special instructions; readers take either.
    table.checksum = rocksdb::kXXH3;
    const std::string n(name);
    if (n == "streams" || n == "commands" || n == "projections") {
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    }
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    if (n == "events") cf.write_buffer_size = 64 << 20;
    // The index is written without the WAL: after a crash, open re-indexes what these memtables held (at most
    // ~600,000 events' worth, ~2 s). At 16 MiB they filled several times per 64 MiB events memtable,
    // and each memtable switch starts a WAL: more WALs, each a spare to zero, and more flushes.
    if (n == "streams" || n == "commands") cf.write_buffer_size = 32 << 20;
    if (n == "streams") cf.memtable_insert_with_hint_prefix_extractor = std::make_shared<stream_id_prefix>();
    // Timers are a queue: fired ones are deleted at the front, which a scan from the first key would wade
    // through until a compaction drops them. A file with many deletions is compacted soon after it is
    // written.
    if (n == "timers")
      cf.table_properties_collector_factories.push_back(
          rocksdb::NewCompactOnDeletionCollectorFactory(1000, 500));
    if (n == "commands") {
      // Most command ids are new: a memtable bloom filter answers "not here" before the skiplist is asked.
      // (A hash memtable made inserts cheaper, but its flush sorts every entry into a new skiplist, which
      // cost the background thread more than it saved; the inserts are off the append's path anyway.)
      cf.memtable_prefix_bloom_size_ratio = 0.05;
      cf.memtable_whole_key_filtering = true;
    }
    descriptors.emplace_back(n, cf);
  }
  rocksdb::DB* raw = nullptr;
  const auto base_fs = options.file_system ? options.file_system : rocksdb::FileSystem::Default();
  if (options.create_if_missing && !options.read_only) {
    if (auto made = create_dir_durably(*base_fs, options.path); !made) return made.error();
  } else if (std::error_code ec;
             !std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT", ec)) {
    return make_error(errc::not_found, "no event log in " + options.path);
  }
  if (options.wal_spare_bytes > 0 && options.durability_mode == durability::sync && !options.read_only) {
    const std::uint64_t min_free = options.wal_spare_min_free_bytes != 0 ? options.wal_spare_min_free_bytes
                                                                         : 4 * options.wal_spare_bytes;
    im->wal_pool = std::make_unique<wal_file_pool>(options.path, options.wal_spare_bytes, min_free, base_fs);
    db_options.env = im->wal_pool->env();
  } else if (options.file_system) {
    im->env = rocksdb::NewCompositeEnv(base_fs);
    db_options.env = im->env.get();
  }
  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, options.path, descriptors, &im->handles, &raw)
          : rocksdb::DB::Open(db_options, options.path, descriptors, &im->handles, &raw);
  if (!s.ok() && s.IsIOError() && s.ToString().find("/LOCK") != std::string::npos)
    return make_error(errc::locked,
                      "the log at " + options.path +
                          " is open for writing in another process (a running server?): " + s.ToString());
  if (!s.ok()) return status_error(s, "opening the log at " + options.path);
  im->db.reset(raw);
  im->events = im->handles[1];
  im->streams = im->handles[2];
  im->commands = im->handles[3];
  im->projections = im->handles[4];
  im->checkpoints = im->handles[5];
  im->timers = im->handles[6];
  im->meta = im->handles[7];
  if (auto r = im->load_tail(); !r) return r.error();
  if (!options.read_only) im->start_threads();
  return std::unique_ptr<event_log>(new rocksdb_log(std::move(im)));
}

result<std::optional<append_result>> rocksdb_log::find_command(std::string_view command_id) const {
  if (auto e = check_id(command_id, "command_id", true, impl_->options)) return *e;
  std::string v;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->commands, slice(command_id), &v);
  if (s.IsNotFound() && impl_->unindexed_from != 0)
    return make_error(errc::read_only, "command ids past position " +
                                           std::to_string(impl_->unindexed_from - 1) +
                                           " are not indexed yet; a writer's next open indexes them");
  if (s.IsNotFound()) return std::optional<append_result>();
  if (!s.ok()) return status_error(s, "reading command ids");
  pb::AppendOutcome o;
  if (!o.ParseFromString(v))
    return make_error(errc::corruption, "command_id: the stored outcome does not parse");
  // Written but not yet durable: not yet a result anyone may rely on.
  if (o.last_position() > head().value) return std::optional<append_result>();
  return std::optional<append_result>(codec::repeated_result(o));
}

position rocksdb_log::head() const {
  return {impl_->durable_head.load(std::memory_order_acquire)};
}

result<stream_version> rocksdb_log::stream_head(std::string_view stream_id) const {
  if (auto e = check_stream_id(stream_id, impl_->options)) return *e;
  const std::uint64_t limit = head().value;
  if (impl_->unindexed_from != 0) {
    std::uint64_t version = 0;
    auto tail = impl_->scan_unindexed(stream_id, 0, limit, [&](event_ptr ev) {
      version = ev->record.stream_version();
      return true;
    });
    if (!tail) return tail.error();
    if (version != 0) return stream_version{version};
  }
  auto v = impl_->stored_version(stream_id, impl_->unindexed_from != 0 ? impl_->unindexed_from - 1 : limit);
  if (!v) return v.error();
  return stream_version{v.value()};
}

result<std::vector<event_ptr>> rocksdb_log::read_stream(std::string_view stream_id, stream_version from,
                                                        std::size_t max) const {
  if (auto e = check_stream_id(stream_id, impl_->options)) return *e;
  std::vector<event_ptr> out;
  const std::uint64_t limit = head().value;
  const std::string prefix = keys::stream_prefix(stream_id);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->streams));
  for (it->Seek(keys::stream_key(stream_id, std::max<std::uint64_t>(from.value, 1)));
       it->Valid() && it->key().starts_with(prefix) && out.size() < max; it->Next()) {
    const std::uint64_t pos = keys::get_u64_be(it->value().ToStringView());
    if (pos > limit || (impl_->unindexed_from != 0 && pos >= impl_->unindexed_from)) break;
    auto ev = impl_->read_event(pos);
    if (!ev) return ev.error();
    out.push_back(std::move(ev).value());
  }
  if (!it->status().ok()) return status_error(it->status(), "reading a stream");
  if (impl_->unindexed_from != 0 && out.size() < max) {
    auto tail = impl_->scan_unindexed(stream_id, from.value, limit, [&](event_ptr ev) {
      out.push_back(std::move(ev));
      return out.size() < max;
    });
    if (!tail) return tail.error();
  }
  return out;
}

result<std::vector<event_ptr>> rocksdb_log::read_all(position from, std::size_t max, direction dir) const {
  std::vector<event_ptr> out;
  const std::uint64_t limit = head().value;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->events));
  if (dir == direction::forward) {
    for (it->Seek(keys::event_key(std::max<std::uint64_t>(from.value, 1))); it->Valid() && out.size() < max;
         it->Next()) {
      const std::uint64_t pos = keys::get_u64_be(it->key().ToStringView());
      if (pos > limit) break;
      auto ev = decode_value(it->value().ToStringView(), pos);
      if (!ev) return ev.error();
      out.push_back(std::move(ev).value());
    }
  } else {
    const std::uint64_t start = std::min(from.value == 0 ? limit : from.value, limit);
    if (start == 0) return out;
    for (it->SeekForPrev(keys::event_key(start)); it->Valid() && out.size() < max; it->Prev()) {
      const std::uint64_t pos = keys::get_u64_be(it->key().ToStringView());
      auto ev = decode_value(it->value().ToStringView(), pos);
      if (!ev) return ev.error();
      out.push_back(std::move(ev).value());
    }
  }
  if (!it->status().ok()) return status_error(it->status(), "reading the log");
  return out;
}

namespace {
constexpr std::uint64_t short_scan_events = 4096;
}  // namespace

result<std::uint64_t> rocksdb_log::impl::scan_frames(
    std::uint64_t from, std::uint64_t to,
    const std::function<std::optional<bool>(std::uint64_t, const codec::frame&)>& visit) const {
  const std::uint64_t limit = std::min(to, durable_head.load(std::memory_order_acquire));
  std::uint64_t last = 0;
  if (from > limit) return last;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // a replay reads everything once: keep the cache for the hot data
  // A long replay reads ahead 2 MB at a time. A short range (a projection's step: hundreds of events) lets
  // RocksDB's own read-ahead grow from 8 KB: each scan has a new iterator, and 2 MB read for every step of
  // ~300 KB was most of what a rebuild cost.
  const std::uint64_t range = limit - std::max<std::uint64_t>(from, 1) + 1;
  ro.readahead_size = range > short_scan_events ? 2 << 20 : 0;
  const std::string upper = keys::event_key(limit + 1);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, events));
  for (it->Seek(keys::event_key(std::max<std::uint64_t>(from, 1))); it->Valid(); it->Next()) {
    const std::uint64_t pos = keys::get_u64_be(it->key().ToStringView());
    auto f = codec::parse_frame(it->value().ToStringView());
    std::optional<bool> go_on = f ? visit(pos, *f) : std::nullopt;
    if (!go_on)
      return make_error(errc::corruption, "event at position " + std::to_string(pos) + " does not decode");
    last = pos;
    if (!*go_on) break;
  }
  if (!it->status().ok()) return status_error(it->status(), "scanning the log");
  return last;
}

result<position> rocksdb_log::scan(
    position from, position to,
    const std::function<bool(const pb::EventRecord&, const hash256&)>& visit) const {
  pb::EventRecord record;
  auto last = impl_->scan_frames(
      from.value, to.value, [&](std::uint64_t, const codec::frame& f) -> std::optional<bool> {
        if (!record.ParseFromArray(f.record.data(), static_cast<int>(f.record.size()))) return std::nullopt;
        return visit(record, f.hash);
      });
  if (!last) return last.error();
  return position{last.value()};
}

result<position> rocksdb_log::scan_views(
    position from, position to, const std::function<bool(const record_view&, const hash256&)>& visit) const {
  auto last = impl_->scan_frames(from.value, to.value,
                                 [&](std::uint64_t, const codec::frame& f) -> std::optional<bool> {
                                   auto view = decode_record(f.record);
                                   if (!view) return std::nullopt;
                                   return visit(*view, f.hash);
                                 });
  if (!last) return last.error();
  return position{last.value()};
}

result<verify_report> rocksdb_log::verify(position from, position to) const {
  verify_report report;
  const std::uint64_t start = std::max<std::uint64_t>(from.value, 1);
  auto fail = [&](std::uint64_t pos, std::string what) {
    report.ok = false;
    report.first_bad = {pos};
    report.what = std::move(what);
    return report;
  };
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  // One snapshot for the records and the chain head: appends made while verify runs (it runs beside a
  // serving server) are neither half seen nor taken for a removed tail.
  const std::shared_ptr<const rocksdb::Snapshot> snapshot(
      impl_->db->GetSnapshot(),
      [db = impl_->db.get()](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  ro.snapshot = snapshot.get();
  hash256 prev = genesis_hash;
  if (start > 1) {
    std::string v;
    rocksdb::Status s = impl_->db->Get(ro, impl_->events, keys::event_key(start - 1), &v);
    if (s.IsNotFound()) return fail(start - 1, "record missing (removed)");
    if (!s.ok()) return status_error(s, "verify");
    auto f = codec::parse_frame(v);
    if (!f) return fail(start - 1, "record frame unreadable");
    prev = f->hash;
  }
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->events));
  pb::EventRecord record;
  std::uint64_t expected = start;
  for (it->Seek(keys::event_key(start)); it->Valid(); it->Next()) {
    if (it->key().size() != 8) return fail(expected, "a key in the events column family is not a position");
    const std::uint64_t pos = keys::get_u64_be(it->key().ToStringView());
    if (pos > to.value) break;
    if (pos != expected) return fail(expected, "record missing (removed)");
    auto f = codec::parse_frame(it->value().ToStringView());
    if (!f) return fail(pos, "record frame unreadable (altered)");
    if (!record.ParseFromArray(f->record.data(), static_cast<int>(f->record.size())))
      return fail(pos, "record bytes do not decode (altered)");
    if (codec::chain_hash(prev, f->record) != f->hash)
      return fail(pos, "record altered: its bytes do not match its hash");
    if (record.position() != pos) return fail(pos, "record stored at another position (reordered)");
    if (codec::to_hash(record.prev_hash()) != prev)
      return fail(pos, "chain link broken: prev_hash differs from the previous record's hash");
    prev = f->hash;
    report.last_checked = {pos};
    report.last_hash = prev;
    ++report.records;
    ++expected;
  }
  if (!it->status().ok()) return status_error(it->status(), "verify");
  if (to.value == UINT64_MAX || to.value >= impl_->durable_head.load()) {
    // The chain head must name the last record: a cut-off tail leaves no other trace.
    std::string v;
    rocksdb::Status s = impl_->db->Get(ro, impl_->meta, slice(keys::meta_chain_head), &v);
    pb::ChainHead head;
    if (s.ok() && head.ParseFromString(v)) {
      if (head.position() > report.last_checked.value && head.position() >= start)
        return fail(report.last_checked.value + 1, "record missing (the tail was removed)");
      if (head.position() == report.last_checked.value && report.records > 0 &&
          codec::to_hash(head.hash()) != prev)
        return fail(head.position(), "the chain head's hash differs from the last record's");
    } else if (!s.IsNotFound()) {
      return make_error(errc::corruption, "verify: the chain head is unreadable");
    }
  }
  return report;
}

std::uint64_t rocksdb_log::add_commit_listener(commit_listener listener) {
  std::lock_guard lk(impl_->listeners_mu);
  const std::uint64_t id = impl_->next_listener_id++;
  impl_->listeners.emplace_back(id, std::move(listener));
  impl_->has_listeners.store(true, std::memory_order_release);
  return id;
}

void rocksdb_log::remove_commit_listener(std::uint64_t id) {
  std::lock_guard lk(impl_->listeners_mu);
  std::erase_if(impl_->listeners, [id](const auto& l) { return l.first == id; });
  impl_->has_listeners.store(!impl_->listeners.empty(), std::memory_order_release);
}

result<void> rocksdb_log::commit_projection(std::string_view name, projection_batch& batch,
                                            position checkpoint) {
  if (auto e = check_projection_name(name)) return *e;
  if (impl_->options.read_only)
    return make_error(errc::read_only, "writing the read model " + std::string(name));
  rocksdb::WriteBatch wb;
  for (auto& op : batch.ops()) {
    const std::string key = keys::projection_key(name, op.key);
    rocksdb::Status s =
        op.erase ? wb.Delete(impl_->projections, key) : wb.Put(impl_->projections, key, op.value);
    if (!s.ok()) return status_error(s, "building a projection batch");
  }
  rocksdb::Status s = wb.Put(impl_->checkpoints, slice(name), keys::u64_be(checkpoint.value));
  if (!s.ok()) return status_error(s, "building a projection batch");
  // Read models are derived: they need not be synced, only consistent with their checkpoint, which one batch
  // guarantees; the WAL's order keeps them behind the events they were built from.
  {
    std::lock_guard write_lock(impl_->write_mu);
    s = impl_->db->Write(rocksdb::WriteOptions(), &wb);
  }
  if (!s.ok()) return status_error(s, "writing a projection");
  batch.clear();
  return success();
}

result<position> rocksdb_log::projection_checkpoint(std::string_view name) const {
  if (auto e = check_projection_name(name)) return *e;
  std::string v;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->checkpoints, slice(name), &v);
  if (s.IsNotFound()) return position{0};
  if (!s.ok()) return status_error(s, "reading a checkpoint");
  if (v.size() != 8)
    return make_error(errc::corruption, "checkpoint of " + std::string(name) + " is malformed");
  return position{keys::get_u64_be(v)};
}

result<std::optional<std::string>> rocksdb_log::projection_get(std::string_view name,
                                                               std::string_view key) const {
  if (auto e = check_projection_name(name)) return *e;
  std::string v;
  rocksdb::Status s =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->projections, keys::projection_key(name, key), &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return status_error(s, "reading a projection");
  return std::optional<std::string>(std::move(v));
}

result<void> rocksdb_log::projection_scan_from(
    std::string_view name, std::string_view prefix, std::string_view from,
    const std::function<bool(std::string_view key, std::string_view value)>& visit) const {
  if (auto e = check_projection_name(name)) return *e;
  const std::string start = keys::projection_key(name, prefix);
  const std::size_t skip = name.size() + 1;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->projections));
  for (it->Seek(std::max(start, keys::projection_key(name, from)));
       it->Valid() && it->key().starts_with(start); it->Next()) {
    if (!visit(it->key().ToStringView().substr(skip), it->value().ToStringView())) break;
  }
  if (!it->status().ok()) return status_error(it->status(), "scanning a projection");
  return success();
}

result<void> rocksdb_log::reset_projection(std::string_view name) {
  if (auto e = check_projection_name(name)) return *e;
  if (impl_->options.read_only)
    return make_error(errc::read_only, "erasing the read model " + std::string(name));
  std::string begin(name);
  begin.push_back('\0');
  std::string end(name);
  end.push_back('\1');
  rocksdb::WriteBatch wb;
  rocksdb::Status s = wb.DeleteRange(impl_->projections, begin, end);
  if (s.ok()) s = wb.Delete(impl_->checkpoints, slice(name));
  if (s.ok()) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    std::lock_guard write_lock(impl_->write_mu);
    s = impl_->db->Write(wo, &wb);
  }
  if (!s.ok()) return status_error(s, "resetting a projection");
  return success();
}

namespace {

// Bytes of the regular files under `dir` whose names `counts` (0 when it cannot be read).
template <class Counts>
std::uint64_t bytes_under(const std::filesystem::path& dir, Counts counts) {
  std::uint64_t bytes = 0;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && counts(it->path().filename().string())) bytes += it->file_size(ec);
  return bytes;
}

}  // namespace

result<void> rocksdb_log::backup_to(const std::string& dir, const copy_progress& progress) const {
  // A checkpoint needs the writer's hold on its files (RocksDB has none read-only).
  if (impl_->options.read_only)
    return make_error(errc::read_only, "a backup is taken from the log's writer (the running server)");
  if (std::filesystem::exists(dir))
    return make_error(errc::invalid_argument, "backup dir " + dir + " exists");
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(impl_->db.get(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  if (!s.ok()) return status_error(s, "creating a backup in " + dir);
  // log_size_for_flush = 0: flush memtables so the copy needs no WAL replay to be complete.
  if (!progress) {
    s = cp->CreateCheckpoint(dir, 0);
    if (!s.ok()) return status_error(s, "creating a backup in " + dir);
    return success();
  }
  // On another file system a checkpoint copies the tables and the manifest, saying nothing of how far it is:
  // watch the copy grow in "<dir>.tmp", where RocksDB writes it before renaming it. Flushed first (as the
  // checkpoint would), so that the tables hold everything the copy will.
  s = impl_->db->Flush(rocksdb::FlushOptions(), impl_->handles);
  if (!s.ok()) return status_error(s, "flushing before a backup");
  const std::uint64_t total = bytes_under(impl_->options.path, [](const std::string& name) {
    return name.ends_with(".sst") || name.starts_with("MANIFEST-");
  });
  auto done = std::async(std::launch::async, [&] { return cp->CreateCheckpoint(dir, 0); });
  while (done.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
    progress(std::min(total, bytes_under(dir + ".tmp", [](const std::string&) { return true; })), total);
  s = done.get();
  if (!s.ok()) return status_error(s, "creating a backup in " + dir);
  progress(total, total);
  return success();
}

result<void> rocksdb_log::restore(const std::string& backup_dir, const std::string& data_dir,
                                  const event_log::copy_progress& progress) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(backup_dir, ec) || !fs::exists(fs::path(backup_dir) / "CURRENT", ec))
    return make_error(errc::invalid_argument, "backup dir " + backup_dir + " holds no backup");
  if (fs::exists(data_dir, ec) && !fs::is_empty(data_dir, ec))
    return make_error(errc::invalid_argument,
                      "data dir " + data_dir + " is not empty; restore needs an empty one");
  fs::create_directories(data_dir, ec);
  if (ec) return make_error(errc::io_error, "restoring into " + data_dir + ": " + ec.message());
  // File by file, so that a big copy can say how far it is.
  std::vector<fs::path> files;
  std::uint64_t total = 0, copied = 0;
  for (const auto& entry : fs::recursive_directory_iterator(backup_dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    files.push_back(entry.path());
    total += entry.file_size(ec);
  }
  if (ec) return make_error(errc::io_error, "reading the backup " + backup_dir + ": " + ec.message());
  for (const auto& file : files) {
    const fs::path to = fs::path(data_dir) / fs::relative(file, backup_dir, ec);
    if (!ec) fs::create_directories(to.parent_path(), ec);
    if (!ec) fs::copy_file(file, to, ec);
    if (ec)
      return make_error(errc::io_error,
                        "restoring " + file.string() + " into " + data_dir + ": " + ec.message());
    copied += fs::file_size(file, ec);
    if (progress) progress(copied, total);
  }
  // Open once to prove the copy is a database whose chain head matches its records.
  auto opened = open(log_options{.path = data_dir, .create_if_missing = false});
  if (!opened) return opened.error();
  return success();
}

}  // namespace thidua::storage
