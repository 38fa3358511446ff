// The power-cut file system keeps what was synced and drops the rest: each rule of its model, and each lie,
// shown on plain files.

#include "tests/support/power_cut_fs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

namespace fs = std::filesystem;
const rocksdb::IOOptions io;

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void sync_dir(rocksdb::FileSystem& f, const std::string& dir) {
  std::unique_ptr<rocksdb::FSDirectory> d;
  ASSERT_TRUE(f.NewDirectory(dir, io, &d, nullptr).ok());
  ASSERT_TRUE(d->Fsync(io, nullptr).ok());
}

std::unique_ptr<rocksdb::FSWritableFile> create(rocksdb::FileSystem& f, const std::string& path) {
  std::unique_ptr<rocksdb::FSWritableFile> file;
  EXPECT_TRUE(f.NewWritableFile(path, rocksdb::FileOptions(), &file, nullptr).ok());
  return file;
}

struct power_cut_fs_test : ::testing::Test {
  temp_dir dir;
  std::string data = dir.sub("data");
  std::string journal = dir.sub("journal");
  void SetUp() override { fs::create_directories(data); }
};

// Creates `a` durably, writes "synced|" and syncs it, then writes `unsynced`.
void synced_then(const std::string& journal, const std::string& data, const std::string& unsynced) {
  power_cut_fs f(journal);
  auto file = create(f, data + "/a");
  sync_dir(f, data);
  ASSERT_TRUE(file->Append("synced|", io, nullptr).ok());
  ASSERT_TRUE(file->Sync(io, nullptr).ok());
  ASSERT_TRUE(file->Append(unsynced, io, nullptr).ok());
  ASSERT_TRUE(file->Close(io, nullptr).ok());
}

TEST_F(power_cut_fs_test, bytes_written_after_the_last_sync_are_dropped) {
  ASSERT_NO_FATAL_FAILURE(synced_then(journal, data, "not synced"));
  EXPECT_EQ(contents(data + "/a"), "synced|not synced") << "before the cut, the page cache has it all";
  const auto report = cut_power(journal);
  EXPECT_EQ(report.error, "");
  EXPECT_EQ(report.writes_dropped, 1u);
  EXPECT_EQ(contents(data + "/a"), "synced|");
  EXPECT_FALSE(fs::exists(journal)) << "a journal applied is gone";
}

TEST_F(power_cut_fs_test, an_overwrite_after_the_last_sync_gets_the_old_bytes_back) {
  { std::ofstream(data + "/zeros", std::ios::binary) << std::string(16, '\0'); }
  {
    power_cut_fs f(journal);
    std::unique_ptr<rocksdb::FSRandomRWFile> file;
    ASSERT_TRUE(f.NewRandomRWFile(data + "/zeros", rocksdb::FileOptions(), &file, nullptr).ok());
    ASSERT_TRUE(file->Write(0, "kept", io, nullptr).ok());
    ASSERT_TRUE(file->Sync(io, nullptr).ok());
    ASSERT_TRUE(file->Write(4, "lost", io, nullptr).ok());
  }
  ASSERT_EQ(cut_power(journal).error, "");
  EXPECT_EQ(contents(data + "/zeros"), std::string("kept") + std::string(12, '\0'));
}

TEST_F(power_cut_fs_test, a_file_synced_in_a_directory_never_synced_disappears) {
  {
    power_cut_fs f(journal);
    auto file = create(f, data + "/orphan");
    ASSERT_TRUE(file->Append("synced data", io, nullptr).ok());
    ASSERT_TRUE(file->Fsync(io, nullptr).ok());
  }
  const auto report = cut_power(journal);
  EXPECT_EQ(report.names_undone, 1u);
  EXPECT_FALSE(fs::exists(data + "/orphan"));
}

TEST_F(power_cut_fs_test, a_rename_is_undone_unless_its_directory_was_synced_after_it) {
  { std::ofstream(data + "/old-target") << "replaced"; }
  {
    power_cut_fs f(journal);
    auto a = create(f, data + "/a");
    ASSERT_TRUE(a->Append("A", io, nullptr).ok());
    ASSERT_TRUE(a->Sync(io, nullptr).ok());
    auto b = create(f, data + "/b");
    ASSERT_TRUE(b->Append("B", io, nullptr).ok());
    ASSERT_TRUE(b->Sync(io, nullptr).ok());
    sync_dir(f, data);
    ASSERT_TRUE(f.RenameFile(data + "/a", data + "/a-renamed", io, nullptr).ok());
    sync_dir(f, data);
    ASSERT_TRUE(f.RenameFile(data + "/b", data + "/old-target", io, nullptr).ok());
  }
  ASSERT_EQ(cut_power(journal).error, "");
  EXPECT_EQ(contents(data + "/a-renamed"), "A") << "synced after the rename: it stays";
  EXPECT_EQ(contents(data + "/b"), "B") << "not synced after it: the file has its old name";
  EXPECT_EQ(contents(data + "/old-target"), "replaced") << "and the file it replaced is back";
}

TEST_F(power_cut_fs_test, a_delete_is_undone_unless_its_directory_was_synced_after_it) {
  { std::ofstream(data + "/kept") << "kept"; }
  { std::ofstream(data + "/gone") << "gone"; }
  {
    power_cut_fs f(journal);
    ASSERT_TRUE(f.DeleteFile(data + "/gone", io, nullptr).ok());
    sync_dir(f, data);
    ASSERT_TRUE(f.DeleteFile(data + "/kept", io, nullptr).ok());
  }
  ASSERT_EQ(cut_power(journal).error, "");
  EXPECT_FALSE(fs::exists(data + "/gone"));
  EXPECT_EQ(contents(data + "/kept"), "kept");
}

TEST_F(power_cut_fs_test, a_directory_made_and_never_synced_in_its_parent_goes_with_all_it_holds) {
  {
    power_cut_fs f(journal);
    ASSERT_TRUE(f.CreateDirIfMissing(data + "/new", io, nullptr).ok());
    auto file = create(f, data + "/new/x");
    ASSERT_TRUE(file->Append("x", io, nullptr).ok());
    ASSERT_TRUE(file->Sync(io, nullptr).ok());
    sync_dir(f, data + "/new");
  }
  ASSERT_EQ(cut_power(journal).error, "");
  EXPECT_FALSE(fs::exists(data + "/new"));
}

TEST_F(power_cut_fs_test, lying_wal_syncs_keep_nothing_of_a_wal_and_everything_else) {
  {
    power_cut_fs f(journal, sync_lies{.wal_files = true});
    auto wal = create(f, data + "/000012.log");
    auto other = create(f, data + "/MANIFEST-000005");
    sync_dir(f, data);
    for (auto* file : {wal.get(), other.get()}) {
      ASSERT_TRUE(file->Append("record", io, nullptr).ok());
      ASSERT_TRUE(file->Sync(io, nullptr).ok()) << "a lie reports success";
    }
  }
  ASSERT_EQ(cut_power(journal).error, "");
  EXPECT_EQ(contents(data + "/000012.log"), "");
  EXPECT_EQ(contents(data + "/MANIFEST-000005"), "record");
}

TEST_F(power_cut_fs_test, lying_directory_syncs_keep_no_name) {
  {
    power_cut_fs f(journal, sync_lies{.directories = true});
    auto file = create(f, data + "/a");
    ASSERT_TRUE(file->Append("A", io, nullptr).ok());
    ASSERT_TRUE(file->Sync(io, nullptr).ok());
    sync_dir(f, data);
  }
  ASSERT_EQ(cut_power(journal).error, "");
  EXPECT_FALSE(fs::exists(data + "/a"));
}

TEST_F(power_cut_fs_test, a_journal_torn_by_a_kill_is_read_up_to_the_tear) {
  ASSERT_NO_FATAL_FAILURE(synced_then(journal, data, "torn"));
  // The last entry (the write's) loses its end, as if the writer died in it: that write never happened
  // either, so the test writes its bytes away too.
  fs::resize_file(journal, fs::file_size(journal) - 3);
  fs::resize_file(data + "/a", 7);
  const auto report = cut_power(journal);
  EXPECT_EQ(report.error, "");
  EXPECT_EQ(report.writes_dropped, 0u);
  EXPECT_EQ(contents(data + "/a"), "synced|");
}

}  // namespace
}  // namespace thidua::testing
