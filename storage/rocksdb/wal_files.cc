#include "storage/rocksdb/wal_files.h"

#include <pthread.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

namespace thidua::storage {
namespace {

namespace fs = std::filesystem;

const rocksdb::IOOptions io{};

// RocksDB names its WALs `<dir>/NNNNNN.log`.
bool is_wal_name(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  if (name.size() <= 4 || name.compare(name.size() - 4, 4, ".log") != 0) return false;
  for (std::size_t i = 0; i + 4 < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return false;
  return true;
}

rocksdb::IOStatus sync_dir(rocksdb::FileSystem& fs, const std::string& dir) {
  std::unique_ptr<rocksdb::FSDirectory> d;
  rocksdb::IOStatus s = fs.NewDirectory(dir, io, &d, nullptr);
  if (s.ok()) s = d->Fsync(io, nullptr);
  if (d) (void)d->Close(io, nullptr);
  return s;
}

// FileSystem::Truncate is not implemented by RocksDB's POSIX file system; a writable file's Truncate is.
rocksdb::IOStatus truncate_file(rocksdb::FileSystem& fs, const std::string& path, std::uint64_t size) {
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = fs.ReopenWritableFile(path, rocksdb::FileOptions(), &file, nullptr);
  if (s.ok()) s = file->Truncate(size, io, nullptr);
  if (file) {
    const rocksdb::IOStatus closed = file->Close(io, nullptr);
    if (s.ok()) s = closed;
  }
  return s;
}

// A WAL written from the start of a zeroed file. RocksDB's WritableFileWriter buffers; every Append here is
// one positioned write at the end of what was written.
class overwriting_file final : public rocksdb::FSWritableFile {
 public:
  overwriting_file(std::unique_ptr<rocksdb::FSRandomRWFile> file, rocksdb::FileSystem& fs, std::string path,
                   std::uint64_t capacity)
      : file_(std::move(file)), fs_(fs), path_(std::move(path)), capacity_(capacity) {}
  ~overwriting_file() override {
    if (file_) (void)Close(io, nullptr);
  }

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
    const std::uint64_t at = size_.load(std::memory_order_relaxed);
    rocksdb::IOStatus s = file_->Write(at, data, o, dbg);
    if (s.ok()) size_.store(at + data.size(), std::memory_order_relaxed);
    return s;
  }

  rocksdb::IOStatus Truncate(std::uint64_t size, const rocksdb::IOOptions&,
                             rocksdb::IODebugContext*) override {
    rocksdb::IOStatus s = truncate_file(fs_, path_, size);
    if (s.ok()) size_.store(size, std::memory_order_relaxed);
    return s;
  }

  rocksdb::IOStatus Close(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    if (!file_) return rocksdb::IOStatus::OK();
    rocksdb::IOStatus s = file_->Close(o, dbg);
    file_.reset();
    // A closed WAL ends where its records end, like one RocksDB wrote as a growing file: the next open then
    // reads no zeros.
    const std::uint64_t size = size_.load(std::memory_order_relaxed);
    if (s.ok() && size < capacity_) s = truncate_file(fs_, path_, size);
    return s;
  }

  rocksdb::IOStatus Flush(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    return file_->Sync(o, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    return file_->Fsync(o, dbg);
  }
  // SyncWAL requires it; a sync beside a write to the same file is safe.
  bool IsSyncThreadSafe() const override { return true; }
  std::uint64_t GetFileSize(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return size_.load(std::memory_order_relaxed);
  }
  rocksdb::IOStatus InvalidateCache(std::size_t, std::size_t) override { return rocksdb::IOStatus::OK(); }
  // The space is there already; past it the file grows like any other.
  rocksdb::IOStatus Allocate(std::uint64_t, std::uint64_t, const rocksdb::IOOptions&,
                             rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }

 private:
  std::unique_ptr<rocksdb::FSRandomRWFile> file_;
  rocksdb::FileSystem& fs_;
  std::string path_;
  std::uint64_t capacity_;
  std::atomic<std::uint64_t> size_{0};
};

}  // namespace

struct wal_file_pool::state {
  std::shared_ptr<rocksdb::FileSystem> base;
  std::string dir;
  std::uint64_t file_bytes = 0;
  std::uint64_t prepare_after = 0;
  std::uint64_t min_free_bytes = 0;

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> ready;  // zeroed, synced and renamed to their final name
  bool stopping = false;
  bool failed = false;            // the last preparation failed: no retry before the next WAL
  bool current_on_spare = false;  // then the log is busy enough to keep the next spare ready at once
  std::uint64_t next_name = 1;
  std::thread thread;

  std::atomic<std::uint64_t> since_switch{0};
  std::atomic<bool> wanted{false};
  std::atomic<std::uint64_t> prepared{0}, used{0}, missed{0};

  std::unique_ptr<rocksdb::Env> env;

  // Renames a ready spare to `target`; an empty path when none is ready.
  std::string take(const std::string& target) {
    std::lock_guard lk(mu);
    since_switch.store(0, std::memory_order_relaxed);
    wanted.store(false, std::memory_order_relaxed);
    failed = false;
    current_on_spare = false;
    while (!ready.empty()) {
      std::string spare = ready.back();
      ready.pop_back();
      if (base->RenameFile(spare, target, io, nullptr).ok()) {
        current_on_spare = true;
        return spare;
      }
      (void)base->DeleteFile(spare, io, nullptr);
    }
    return {};
  }

  bool want_more_locked() const {
    return !stopping && !failed && ready.empty() &&
           (current_on_spare || since_switch.load(std::memory_order_relaxed) >= prepare_after);
  }

  // A spare is a convenience: it must never take the space the log itself needs.
  bool room_for_spare() const {
    std::uint64_t available = 0;
    return base->GetFreeSpace(dir, io, &available, nullptr).ok() && available >= min_free_bytes;
  }

  bool stop_requested() {
    std::lock_guard lk(mu);
    return stopping;
  }

  // Writes zeros for a whole spare, syncs it, renames it to its final name and syncs the directory before
  // it is offered: a spare is complete or absent after a crash.
  bool write_spare(const std::string& tmp, const std::string& final_name) {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    if (!base->NewWritableFile(tmp, rocksdb::FileOptions(), &file, nullptr).ok()) return false;
    static const std::string zeros(1 << 20, '\0');
    bool ok = true;
    for (std::uint64_t off = 0; ok && off < file_bytes;) {
      if (stop_requested()) ok = false;
      if (!ok) break;
      const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), file_bytes - off));
      ok = file->Append(rocksdb::Slice(zeros.data(), chunk), io, nullptr).ok();
      off += chunk;
    }
    ok = ok && file->Fsync(io, nullptr).ok();
    ok = file->Close(io, nullptr).ok() && ok;
    return ok && base->RenameFile(tmp, final_name, io, nullptr).ok() && sync_dir(*base, dir).ok();
  }

  bool prepare_one() {
    if (!room_for_spare()) return false;
    std::string tmp, final_name;
    {
      std::lock_guard lk(mu);
      const std::uint64_t n = next_name++;
      final_name = dir + "/spare-" + std::to_string(n);
      tmp = final_name + ".tmp";
    }
    if (!write_spare(tmp, final_name)) {
      (void)base->DeleteFile(tmp, io, nullptr);
      (void)base->DeleteFile(final_name, io, nullptr);
      return false;
    }
    std::lock_guard lk(mu);
    if (stopping) return true;  // kept for the next open
    ready.push_back(final_name);
    prepared.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  void run() {
    for (;;) {
      {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return stopping || want_more_locked(); });
        if (stopping) return;
      }
      const bool ok = prepare_one();
      std::lock_guard lk(mu);
      if (!ok) failed = true;
    }
  }

  // Spares a previous run prepared are used as they are; unfinished ones and spares of another size go.
  void adopt_existing() {
    (void)base->CreateDirIfMissing(dir, io, nullptr);
    std::vector<std::string> names;
    if (!base->GetChildren(dir, io, &names, nullptr).ok()) return;
    for (const auto& name : names) {
      if (name == "." || name == "..") continue;
      const std::string path = dir + "/" + name;
      std::uint64_t n = 0;
      const bool spare_name = name.rfind("spare-", 0) == 0 && std::sscanf(name.c_str() + 6, "%lu", &n) == 1 &&
                              name == "spare-" + std::to_string(n);
      std::uint64_t size = 0, links = 0;
      // A spare has one name: after a crash on a file system without a journal, a spare renamed to a WAL's
      // name may keep its old name too, and its bytes are then that WAL's records, not zeros.
      if (spare_name && base->GetFileSize(path, io, &size, nullptr).ok() && size == file_bytes &&
          base->NumFileLinks(path, io, &links, nullptr).ok() && links == 1) {
        ready.push_back(path);
        next_name = std::max(next_name, n + 1);
      } else {
        (void)base->DeleteFile(path, io, nullptr);
      }
    }
  }
};

namespace {

class spare_file_system final : public rocksdb::FileSystemWrapper {
 public:
  spare_file_system(const std::shared_ptr<rocksdb::FileSystem>& target, wal_file_pool::state* pool)
      : FileSystemWrapper(target), pool_(pool) {}

  const char* Name() const override { return "ThiduaSpareWalFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (!is_wal_name(fname)) return target()->NewWritableFile(fname, options, result, dbg);
    const std::string spare = pool_->take(fname);
    pool_->cv.notify_one();
    if (spare.empty()) {
      pool_->missed.fetch_add(1, std::memory_order_relaxed);
      return target()->NewWritableFile(fname, options, result, dbg);
    }
    std::unique_ptr<rocksdb::FSRandomRWFile> file;
    rocksdb::IOStatus s = target()->NewRandomRWFile(fname, rocksdb::FileOptions(), &file, dbg);
    if (!s.ok()) return s;
    // The rename must be durable before a record in the file is acknowledged.
    s = sync_dir(*target(), fs::path(fname).parent_path().string());
    if (!s.ok()) return s;
    pool_->used.fetch_add(1, std::memory_order_relaxed);
    *result = std::make_unique<overwriting_file>(std::move(file), *target(), fname, pool_->file_bytes);
    return rocksdb::IOStatus::OK();
  }

 private:
  wal_file_pool::state* pool_;
};

}  // namespace

wal_file_pool::wal_file_pool(std::string data_dir, std::uint64_t file_bytes, std::uint64_t min_free_bytes,
                             std::shared_ptr<rocksdb::FileSystem> base)
    : state_(std::make_shared<state>()) {
  state_->base = std::move(base);
  state_->dir = (fs::path(data_dir) / "wal-spares").string();
  state_->file_bytes = file_bytes;
  state_->prepare_after = file_bytes / 8;
  state_->min_free_bytes = min_free_bytes;
  state_->adopt_existing();
  auto fs = std::make_shared<spare_file_system>(state_->base, state_.get());
  state_->env = rocksdb::NewCompositeEnv(fs);
  state_->thread = std::thread([s = state_.get()] {
    pthread_setname_np(pthread_self(), "log-wal-spares");
    s->run();
  });
}

wal_file_pool::~wal_file_pool() {
  stop();
}

rocksdb::Env* wal_file_pool::env() const {
  return state_->env.get();
}

void wal_file_pool::wrote(std::uint64_t bytes) {
  const std::uint64_t total = state_->since_switch.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  if (total < state_->prepare_after || state_->wanted.load(std::memory_order_relaxed)) return;
  state_->wanted.store(true, std::memory_order_relaxed);
  { std::lock_guard lk(state_->mu); }
  state_->cv.notify_one();
}

wal_file_pool::counters wal_file_pool::stats() const {
  return {state_->prepared.load(), state_->used.load(), state_->missed.load()};
}

void wal_file_pool::stop() {
  {
    std::lock_guard lk(state_->mu);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  if (state_->thread.joinable()) state_->thread.join();
}

}  // namespace thidua::storage
