#pragma once
// A file system for tests that can lose power — the idea of RocksDB's FaultInjectionTestFS, made to work
// across processes. It writes through to the real files; before each change it notes in a journal (a file
// outside the directory under test) what undoing the change takes, and after each successful sync what the
// sync made durable. cut_power(journal) then does to the files what a power cut would have done: it drops
// every byte written after its file's last successful sync and undoes every create, rename or delete whose
// directory was not synced after it. The process that wrote may have been killed first: a kill leaves the
// page cache, and so the journal, whole.
//
// The model is POSIX's strict one, with ext4's rule for renames: a rename is one change, durable once the
// directory it names the file in is synced. A file's sync covers the writes that finished before it began; a
// directory's sync, the creates, renames and deletes that finished before it began.

#include <rocksdb/file_system.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace thidua::testing {

// Syncs that report success and do nothing, to prove that the power-cut tests can fail. A switch of this test
// file system, never of product code.
struct sync_lies {
  bool wal_files = false;    // syncs of RocksDB's WALs (`NNNNNN.log`)
  bool directories = false;  // syncs of directories
};

class power_cut_fs final : public rocksdb::FileSystemWrapper {
 public:
  // Starts a new journal at `journal_path` (its directory must exist).
  explicit power_cut_fs(const std::string& journal_path, sync_lies lies = {});
  ~power_cut_fs() override;
  const char* Name() const override { return "ThiduaPowerCutFs"; }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target,
                               const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target,
                             const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDir(const std::string& dirname, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& dirname, const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& dirname, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;

  struct journal;

 private:
  std::shared_ptr<journal> journal_;
};

struct power_cut_report {
  std::uint64_t entries = 0;         // journal entries read
  std::uint64_t writes_dropped = 0;  // writes made after their file's last sync
  std::uint64_t names_undone = 0;    // creates, renames and deletes whose directory was not synced after them
  std::vector<std::pair<std::string, std::string>> renames_undone;  // (from, to) as the renames were made
  std::string error;                                                // empty when the cut was applied
};

// Cuts the power under what a power_cut_fs wrote with `journal_path`, once its writer is dead or closed; the
// journal is removed.
power_cut_report cut_power(const std::string& journal_path);

}  // namespace thidua::testing
