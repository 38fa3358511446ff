#include "storage/rocksdb/wal_files.h"

#include <fcntl.h>
#include <pthread.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

namespace thidua::storage {
namespace {

namespace fs = std::filesystem;

rocksdb::IOStatus io_error(const std::string& what, int err) {
  const std::string msg = what + ": " + std::strerror(err);
  if (err == ENOSPC) return rocksdb::IOStatus::NoSpace(msg);
  return rocksdb::IOStatus::IOError(msg);
}

// RocksDB names its WALs `<dir>/NNNNNN.log`.
bool is_wal_name(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  if (name.size() <= 4 || name.compare(name.size() - 4, 4, ".log") != 0) return false;
  for (std::size_t i = 0; i + 4 < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return false;
  return true;
}

bool fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// A WAL written from the start of a zeroed file. RocksDB's WritableFileWriter buffers; every Append here is
// one pwrite at the end of what was written.
class overwriting_file final : public rocksdb::FSWritableFile {
 public:
  overwriting_file(int fd, std::string path, std::uint64_t capacity)
      : fd_(fd), path_(std::move(path)), capacity_(capacity) {}
  ~overwriting_file() override {
    if (fd_ >= 0) (void)Close({}, nullptr);
  }

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions&,
                           rocksdb::IODebugContext*) override {
    const char* p = data.data();
    std::size_t left = data.size();
    std::uint64_t at = size_.load(std::memory_order_relaxed);
    while (left > 0) {
      const ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(at));
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("writing " + path_, errno);
      }
      p += n;
      left -= static_cast<std::size_t>(n);
      at += static_cast<std::uint64_t>(n);
    }
    size_.store(at, std::memory_order_relaxed);
    return rocksdb::IOStatus::OK();
  }

  rocksdb::IOStatus Truncate(std::uint64_t size, const rocksdb::IOOptions&,
                             rocksdb::IODebugContext*) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return io_error("truncating " + path_, errno);
    size_.store(size, std::memory_order_relaxed);
    return rocksdb::IOStatus::OK();
  }

  rocksdb::IOStatus Close(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    if (fd_ < 0) return rocksdb::IOStatus::OK();
    rocksdb::IOStatus s;
    // A closed WAL ends where its records end, like one RocksDB wrote as a growing file: the next open then
    // reads no zeros.
    const std::uint64_t size = size_.load(std::memory_order_relaxed);
    if (size < capacity_ && ::ftruncate(fd_, static_cast<off_t>(size)) != 0)
      s = io_error("closing " + path_, errno);
    if (::close(fd_) != 0 && s.ok()) s = io_error("closing " + path_, errno);
    fd_ = -1;
    return s;
  }

  rocksdb::IOStatus Flush(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    if (::fdatasync(fd_) != 0) return io_error("syncing " + path_, errno);
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    if (::fsync(fd_) != 0) return io_error("syncing " + path_, errno);
    return rocksdb::IOStatus::OK();
  }
  // SyncWAL requires it; a sync beside a write to the same descriptor is safe.
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
  int fd_;
  std::string path_;
  std::uint64_t capacity_;
  std::atomic<std::uint64_t> size_{0};
};

}  // namespace

struct wal_file_pool::state {
  fs::path dir;
  std::uint64_t file_bytes = 0;
  std::uint64_t prepare_after = 0;
  std::uint64_t min_free_bytes = 0;

  std::mutex mu;
  std::condition_variable cv;
  std::vector<fs::path> ready;  // zeroed, synced and renamed to their final name
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
  fs::path take(const std::string& target) {
    std::lock_guard lk(mu);
    since_switch.store(0, std::memory_order_relaxed);
    wanted.store(false, std::memory_order_relaxed);
    failed = false;
    current_on_spare = false;
    while (!ready.empty()) {
      fs::path spare = ready.back();
      ready.pop_back();
      if (::rename(spare.c_str(), target.c_str()) == 0) {
        current_on_spare = true;
        return spare;
      }
      std::error_code ec;
      fs::remove(spare, ec);
    }
    return {};
  }

  bool want_more_locked() const {
    return !stopping && !failed && ready.empty() &&
           (current_on_spare || since_switch.load(std::memory_order_relaxed) >= prepare_after);
  }

  // A spare is a convenience: it must never take the space the log itself needs.
  bool room_for_spare() const {
    struct statvfs st {};
    if (::statvfs(dir.c_str(), &st) != 0) return false;
    const auto available = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    return available >= min_free_bytes;
  }

  // Writes zeros for a whole spare and syncs it (data, size and directory) before it is offered.
  bool prepare_one() {
    if (!room_for_spare()) return false;
    fs::path tmp, final_name;
    {
      std::lock_guard lk(mu);
      const std::uint64_t n = next_name++;
      final_name = dir / ("spare-" + std::to_string(n));
      tmp = dir / ("spare-" + std::to_string(n) + ".tmp");
    }
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    static const std::vector<char> zeros(1 << 20, '\0');
    bool ok = true;
    for (std::uint64_t off = 0; ok && off < file_bytes;) {
      {
        std::lock_guard lk(mu);
        if (stopping) ok = false;
      }
      if (!ok) break;
      const std::size_t chunk =
          static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), file_bytes - off));
      const ssize_t w = ::pwrite(fd, zeros.data(), chunk, static_cast<off_t>(off));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0)
        ok = false;
      else
        off += static_cast<std::uint64_t>(w);
    }
    ok = ok && ::fsync(fd) == 0;
    ::close(fd);
    ok = ok && ::rename(tmp.c_str(), final_name.c_str()) == 0 && fsync_dir(dir);
    std::error_code ec;
    if (!ok) {
      fs::remove(tmp, ec);
      fs::remove(final_name, ec);
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
    std::error_code ec;
    fs::create_directories(dir, ec);
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      std::uint64_t n = 0;
      const bool spare_name = name.rfind("spare-", 0) == 0 && std::sscanf(name.c_str() + 6, "%lu", &n) == 1 &&
                              name == "spare-" + std::to_string(n);
      std::error_code size_ec;
      if (spare_name && entry.file_size(size_ec) == file_bytes && !size_ec) {
        ready.push_back(entry.path());
        next_name = std::max(next_name, n + 1);
      } else {
        fs::remove(entry.path(), ec);
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
    const fs::path spare = pool_->take(fname);
    pool_->cv.notify_one();
    if (spare.empty()) {
      pool_->missed.fetch_add(1, std::memory_order_relaxed);
      return target()->NewWritableFile(fname, options, result, dbg);
    }
    const int fd = ::open(fname.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return io_error("opening " + fname, errno);
    // The rename must be durable before a record in the file is acknowledged.
    if (!fsync_dir(fs::path(fname).parent_path())) {
      const int err = errno;
      ::close(fd);
      return io_error("syncing the directory of " + fname, err);
    }
    pool_->used.fetch_add(1, std::memory_order_relaxed);
    *result = std::make_unique<overwriting_file>(fd, fname, pool_->file_bytes);
    return rocksdb::IOStatus::OK();
  }

 private:
  wal_file_pool::state* pool_;
};

}  // namespace

wal_file_pool::wal_file_pool(std::string data_dir, std::uint64_t file_bytes, std::uint64_t min_free_bytes,
                             std::shared_ptr<rocksdb::FileSystem> base)
    : state_(std::make_shared<state>()) {
  state_->dir = fs::path(data_dir) / "wal-spares";
  state_->file_bytes = file_bytes;
  state_->prepare_after = file_bytes / 8;
  state_->min_free_bytes = min_free_bytes;
  state_->adopt_existing();
  auto fs = std::make_shared<spare_file_system>(base, state_.get());
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
