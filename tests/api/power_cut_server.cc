// thidua-server on a file system of the tests, for tests of what the server does when the disk does:
//   power_cut_server journal=PATH [thidua-server's options]    — the power-cut file system (power_cut_fs.h)
//   power_cut_server fail-while=PATH [thidua-server's options] — every WAL write fails while PATH exists

#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>

#include "api/server/server_run.h"
#include "tests/support/power_cut_fs.h"

namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// A disk that refuses WAL writes (a full disk, a failing device) while a file the test controls exists.
class failing_disk_fs final : public rocksdb::FileSystemWrapper {
 public:
  explicit failing_disk_fs(std::string trigger)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), trigger_(std::move(trigger)) {}
  const char* Name() const override { return "ThiduaFailingDiskFs"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok() && name.ends_with(".log")) *result = std::make_unique<writable>(std::move(*result), trigger_);
    return s;
  }
  rocksdb::IOStatus NewRandomRWFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewRandomRWFile(name, options, result, dbg);
    if (s.ok() && name.ends_with(".log")) *result = std::make_unique<random_rw>(std::move(*result), trigger_);
    return s;
  }

 private:
  static rocksdb::IOStatus refused() {
    return rocksdb::IOStatus::NoSpace("injected: no space left on device");
  }

  class writable final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    writable(std::unique_ptr<rocksdb::FSWritableFile> f, const std::string& trigger)
        : FSWritableFileOwnerWrapper(std::move(f)), trigger_(trigger) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      return exists(trigger_) ? refused() : FSWritableFileOwnerWrapper::Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      return exists(trigger_) ? refused() : FSWritableFileOwnerWrapper::Append(data, o, info, dbg);
    }

   private:
    const std::string& trigger_;
  };

  class random_rw final : public rocksdb::FSRandomRWFileOwnerWrapper {
   public:
    random_rw(std::unique_ptr<rocksdb::FSRandomRWFile> f, const std::string& trigger)
        : FSRandomRWFileOwnerWrapper(std::move(f)), trigger_(trigger) {}
    rocksdb::IOStatus Write(std::uint64_t offset, const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                            rocksdb::IODebugContext* dbg) override {
      return exists(trigger_) ? refused() : FSRandomRWFileOwnerWrapper::Write(offset, data, o, dbg);
    }

   private:
    const std::string& trigger_;
  };

  std::string trigger_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc >= 2 ? argv[1] : "";
  std::shared_ptr<rocksdb::FileSystem> fs;
  if (mode.starts_with("journal="))
    fs = std::make_shared<thidua::testing::power_cut_fs>(mode.substr(8));
  else if (mode.starts_with("fail-while="))
    fs = std::make_shared<failing_disk_fs>(mode.substr(11));
  if (!fs) {
    std::fprintf(stderr, "usage: power_cut_server journal=PATH|fail-while=PATH [thidua-server options]\n");
    return 2;
  }
  // The mode is not the server's: argv[1] becomes the program's name.
  return thidua::api::run_server(argc - 1, argv + 1, std::move(fs));
}
