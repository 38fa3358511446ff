#include "storage/raw_baseline.h"

#include <rocksdb/db.h>
#include <rocksdb/file_system.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "storage/errc.h"
#include "storage/options.h"
#include "storage/rocksdb/keys.h"
#include "storage/rocksdb/log_impl.h"
#include "storage/rocksdb/wal_files.h"

namespace thidua::storage::raw_baseline {
namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

result<std::unique_ptr<rocksdb::DB>> open_plain(const std::string& path, rocksdb::Env* env = nullptr) {
  rocksdb::Options o;
  if (env != nullptr) o.env = env;
  o.create_if_missing = true;
  o.max_background_jobs = 2;
  o.write_buffer_size = 64 << 20;
  rocksdb::DB* db = nullptr;
  if (auto s = rocksdb::DB::Open(o, path, &db); !s.ok()) return status_error(s, "raw open " + path);
  return std::unique_ptr<rocksdb::DB>(db);
}

// Synced batches until `done(elapsed)`; `wrote` hears of each batch's bytes. Puts per second.
template <class Done, class Wrote>
result<double> write_batches(rocksdb::DB& db, std::size_t batch, std::size_t value_bytes, std::uint64_t& key,
                             Done&& done, Wrote&& wrote) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const std::string value(value_bytes, 'v');
  rocksdb::WriteBatch wb;
  std::uint64_t written = 0;
  const auto start = clock_type::now();
  while (!done(seconds_since(start))) {
    wb.Clear();
    for (std::size_t i = 0; i < batch; ++i) wb.Put(keys::event_key(++key), value);
    if (auto s = db.Write(wo, &wb); !s.ok()) return status_error(s, "raw write");
    wrote(wb.GetDataSize());
    written += batch;
  }
  return written / seconds_since(start);
}

// The log's column families, opened as they are (the handles follow keys::column_families).
struct log_db {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  ~log_db() {
    for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
  }
};

result<void> open_log_db(const std::string& path, bool read_only, log_db& out) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (std::string_view n : keys::column_families)
    cfs.emplace_back(std::string(n), rocksdb::ColumnFamilyOptions());
  rocksdb::DB* raw = nullptr;
  const auto s = read_only ? rocksdb::DB::OpenForReadOnly(rocksdb::Options(), path, cfs, &out.handles, &raw)
                           : rocksdb::DB::Open(rocksdb::Options(), path, cfs, &out.handles, &raw);
  if (!s.ok()) return status_error(s, "raw open " + path);
  out.db.reset(raw);
  return success();
}

}  // namespace

result<double> synced_batches(const std::string& path, std::size_t batch, std::size_t value_bytes,
                              double seconds, std::uint64_t& key) {
  auto db = open_plain(path);
  if (!db) return db.error();
  return write_batches(
      *db.value(), batch, value_bytes, key, [&](double elapsed) { return elapsed >= seconds; },
      [](std::size_t) {});
}

result<double> synced_batches_on_spares(const std::string& path, std::size_t batch, std::size_t value_bytes,
                                        double seconds) {
  std::filesystem::create_directories(path);
  const log_options defaults;
  wal_file_pool pool(path, defaults.wal_spare_bytes, 4 * defaults.wal_spare_bytes,
                     rocksdb::FileSystem::Default());
  auto db = open_plain(path, pool.env());
  if (!db) return db.error();
  std::uint64_t key = 0;
  const auto wrote = [&](std::size_t bytes) { pool.wrote(bytes); };
  auto warm = write_batches(
      *db.value(), batch, value_bytes, key,
      [&](double elapsed) { return pool.stats().used > 0 || elapsed >= 10; }, wrote);
  if (!warm) return warm.error();
  auto rate = write_batches(
      *db.value(), batch, value_bytes, key, [&](double elapsed) { return elapsed >= seconds; }, wrote);
  db.value().reset();
  if (!rate) return rate.error();
  return pool.stats().used > 0 ? rate.value() : 0.0;
}

namespace {

// A sum over every byte (eight at a time), kept so the compiler cannot skip the reads.
std::uint64_t touch(const rocksdb::Slice& s) {
  std::uint64_t sum = s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    sum += word;
  }
  for (; i < s.size(); ++i) sum += static_cast<unsigned char>(s.data()[i]);
  return sum;
}

}  // namespace

result<double> scan_events(const std::string& path, std::uint64_t& count) {
  log_db d;
  if (auto r = open_log_db(path, true, d); !r) return r.error();
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  std::uint64_t bytes = 0, sum = 0;
  count = 0;
  const auto start = clock_type::now();
  {
    std::unique_ptr<rocksdb::Iterator> it(d.db->NewIterator(ro, d.handles[1]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      // Every byte of the key and the value is read, as a reader of the records must.
      sum += touch(it->key()) + touch(it->value());
      bytes += it->key().size() + it->value().size();
      ++count;
    }
  }
  const double rate = count / seconds_since(start);
  if (bytes == 0 || sum == 0) return make_error(errc::not_found, "no records in " + path);
  return rate;
}

result<void> forget_index_marks(const std::string& path) {
  log_db d;
  if (auto r = open_log_db(path, false, d); !r) return r.error();
  for (auto* cf : {d.handles[2], d.handles[3]})
    if (auto s = d.db->Delete(rocksdb::WriteOptions(), cf, keys::index_mark); !s.ok())
      return status_error(s, "removing an index mark");
  return success();
}

}  // namespace thidua::storage::raw_baseline
