#pragma once
// A file system that fails WAL writes or syncs on demand (or while a file exists, for a server in another
// process), for tests of what the log and the server do when the disk does.

#include <rocksdb/file_system.h>
#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <string>

namespace thidua::testing {

class failing_wal_fs final : public rocksdb::FileSystemWrapper {
 public:
  failing_wal_fs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  // WAL writes also fail while the file `trigger` exists: a switch for a server in another process.
  explicit failing_wal_fs(std::string trigger)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), trigger_(std::move(trigger)) {}
  const char* Name() const override { return "FailingWalFs"; }

  std::atomic<bool> fail_writes{false};
  std::atomic<bool> fail_syncs{false};
  std::atomic<bool> fail_wal_creation{false};  // a new WAL cannot be created (a full disk)
  std::atomic<int> failures{0};

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (fail_wal_creation && name.ends_with(".log")) {
      ++failures;
      return rocksdb::IOStatus::NoSpace("injected: no space left on device for a new WAL");
    }
    auto s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok() && name.ends_with(".log")) *result = std::make_unique<wal>(std::move(*result), *this);
    return s;
  }
  // WALs written over a spare (storage/rocksdb/wal_files.h) are positioned writes.
  rocksdb::IOStatus NewRandomRWFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewRandomRWFile(name, options, result, dbg);
    if (s.ok() && name.ends_with(".log")) *result = std::make_unique<spare_wal>(std::move(*result), *this);
    return s;
  }

 private:
  bool writes_fail() const {
    struct stat st {};
    return fail_writes || (!trigger_.empty() && ::stat(trigger_.c_str(), &st) == 0);
  }
  rocksdb::IOStatus refuse_write() {
    ++failures;
    return rocksdb::IOStatus::NoSpace("injected: no space left on device");
  }

  class spare_wal final : public rocksdb::FSRandomRWFileOwnerWrapper {
   public:
    spare_wal(std::unique_ptr<rocksdb::FSRandomRWFile> file, failing_wal_fs& fs)
        : FSRandomRWFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Write(std::uint64_t offset, const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                            rocksdb::IODebugContext* dbg) override {
      if (fs_.writes_fail()) return fs_.refuse_write();
      return FSRandomRWFileOwnerWrapper::Write(offset, data, o, dbg);
    }

   private:
    failing_wal_fs& fs_;
  };

  class wal final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    wal(std::unique_ptr<rocksdb::FSWritableFile> file, failing_wal_fs& fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_.writes_fail()) return fs_.refuse_write();
      return FSWritableFileOwnerWrapper::Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_.writes_fail()) return fs_.refuse_write();
      return FSWritableFileOwnerWrapper::Append(data, o, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (fs_.fail_syncs) return fail(rocksdb::IOStatus::IOError("injected: fdatasync failed"));
      return FSWritableFileOwnerWrapper::Sync(o, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (fs_.fail_syncs) return fail(rocksdb::IOStatus::IOError("injected: fsync failed"));
      return FSWritableFileOwnerWrapper::Fsync(o, dbg);
    }

   private:
    rocksdb::IOStatus fail(rocksdb::IOStatus s) {
      ++fs_.failures;
      return s;
    }
    failing_wal_fs& fs_;
  };

  std::string trigger_;
};

}  // namespace thidua::testing
