#pragma once
// A file system that fails WAL appends or syncs on demand, for tests of what the log does when the disk does.

#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace thidua::testing {

class failing_wal_fs final : public rocksdb::FileSystemWrapper {
 public:
  failing_wal_fs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
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

 private:
  class wal final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    wal(std::unique_ptr<rocksdb::FSWritableFile> file, failing_wal_fs& fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_.fail_writes) return fail(rocksdb::IOStatus::NoSpace("injected: no space left on device"));
      return FSWritableFileOwnerWrapper::Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_.fail_writes) return fail(rocksdb::IOStatus::NoSpace("injected: no space left on device"));
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
};

}  // namespace thidua::testing
