// WALs written over zeroed spare files (storage/rocksdb/wal_files.h): the spare is prepared when the log is
// busy, the next WAL is written over it, a kill leaves zeros after the last record and loses nothing
// acknowledged, a WAL that outgrows its spare keeps growing, and leftovers of an interrupted preparation are
// cleaned up.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "storage/event_log.h"
#include "tests/storage/log_test_util.h"
#include "tests/support/test_support.h"

namespace thidua {
namespace {

namespace fs = std::filesystem;
using storage::event_log;
using storage::log_options;

constexpr std::uint64_t spare_bytes = 1 << 20;

log_options with_spares(const std::string& path, std::uint64_t bytes = spare_bytes) {
  log_options o{.path = path};
  o.wal_spare_bytes = bytes;
  return o;
}

std::vector<fs::path> files_in(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == extension) out.push_back(e.path());
  return out;
}

std::vector<fs::path> ready_spares(const std::string& path) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(path) / "wal-spares", ec))
    if (e.path().extension().empty()) out.push_back(e.path());
  return out;
}

bool wait_for_spare(const std::string& path) {
  for (int i = 0; i < 1000; ++i) {
    if (!ready_spares(path).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Appends single events of `payload` bytes until the log has written `bytes` in all.
void append_bytes(event_log& log, const std::string& stream, std::uint64_t bytes,
                  std::size_t payload = 2000) {
  for (std::uint64_t written = 0, i = 0; written < bytes; written += payload, ++i) {
    auto r = log.append(testing::make_append(stream, stream + "-" + std::to_string(i), 1,
                                             storage::expected_version::any(), payload));
    ASSERT_TRUE(r) << r.error().message;
  }
}

// A log with one spare ready in its data dir, closed.
void prepare_dir_with_spare(const std::string& path) {
  ASSIGN_OR_FAIL(log, event_log::open(with_spares(path)));
  append_bytes(*log, "warm-up", spare_bytes / 8 + 4096);
  ASSERT_TRUE(wait_for_spare(path)) << "no spare after an eighth of its size was written";
}

struct child_report {
  std::uint64_t last = 0;
  std::string hash;
  std::uint64_t on_spares = 0;
};

// Runs tests/storage/wal_child.cc, which appends and then kills itself with SIGKILL.
child_report run_child(const std::string& path, std::uint64_t spare, long events, std::size_t payload) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(WAL_CHILD_PATH, WAL_CHILD_PATH, path.c_str(), std::to_string(spare).c_str(),
            std::to_string(events).c_str(), std::to_string(payload).c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child should die by SIGKILL";
  child_report r;
  std::istringstream in(out);
  in >> r.last >> r.hash >> r.on_spares;
  return r;
}

// RocksDB's own log of its recovery: a zeroed tail must read as the WAL's end, not as dropped corrupt bytes
// (which point-in-time recovery would also survive in the last WAL, but not in an earlier one).
bool recovery_reported_corruption(const std::string& path) {
  for (const auto& e : fs::directory_iterator(path)) {
    if (e.path().filename().string().rfind("LOG", 0) != 0) continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);)
      if (line.find("Corruption") != std::string::npos) return true;
  }
  return false;
}

void expect_whole(event_log& log, std::uint64_t head) {
  ASSERT_EQ(log.head().value, head);
  auto report = log.verify({1}, {UINT64_MAX});
  ASSERT_TRUE(report);
  ASSERT_TRUE(report.value().ok) << report.value().what << " at " << report.value().first_bad.value;
  ASSERT_EQ(report.value().records, head);
}

TEST(wal_files, a_busy_log_prepares_a_spare_and_its_next_wal_is_written_over_it) {
  testing::temp_dir dir;
  const std::string path = dir.sub("db");
  {
    ASSIGN_OR_FAIL(log, event_log::open(with_spares(path)));
    append_bytes(*log, "little", 16 * 1024);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(ready_spares(path).empty()) << "a log that writes little should not pay for a spare";
  }
  prepare_dir_with_spare(path);
  ASSERT_EQ(ready_spares(path).size(), 1u);
  EXPECT_EQ(fs::file_size(ready_spares(path)[0]), spare_bytes);
  {
    ASSIGN_OR_FAIL(log, event_log::open(with_spares(path)));
    EXPECT_EQ(log->stats().wal_files_on_spares, 1u);
    EXPECT_EQ(log->stats().wal_files_without_spare, 0u);
    // The live WAL is the spare, written over from its start: its size does not change while it fills.
    bool found = false;
    for (const auto& wal : files_in(path, ".log")) found = found || fs::file_size(wal) == spare_bytes;
    EXPECT_TRUE(found) << "the live WAL should be the spare's size";
    append_bytes(*log, "on-spare", 64 * 1024);
    // Busy: the next spare is made at once.
    EXPECT_TRUE(wait_for_spare(path));
  }
  // Closed, a WAL ends where its records end.
  for (const auto& wal : files_in(path, ".log")) EXPECT_LT(fs::file_size(wal), spare_bytes) << wal;
  ASSIGN_OR_FAIL(log, event_log::open(with_spares(path)));
  auto report = log->verify({1}, {UINT64_MAX});
  ASSERT_TRUE(report && report.value().ok);
  auto stream = log->read_stream("on-spare", {1}, 1000);
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream.value().size(), 64u * 1024 / 2000 + 1);
}

TEST(wal_files, a_kill_leaves_zeros_after_the_last_record_and_loses_nothing_acknowledged) {
  testing::temp_dir dir;
  const std::string path = dir.sub("db");
  prepare_dir_with_spare(path);
  std::uint64_t head = 0;
  {
    // This open's WAL takes the spare; being busy, the log makes the next one at once, for the child.
    ASSIGN_OR_FAIL(log, event_log::open(with_spares(path)));
    EXPECT_EQ(log->stats().wal_files_on_spares, 1u);
    head = log->head().value;
    ASSERT_TRUE(wait_for_spare(path));
  }
  const auto child = run_child(path, spare_bytes, 200, 1000);
  ASSERT_EQ(child.on_spares, 1u) << "the child's WAL should have been a spare";
  ASSERT_EQ(child.last, head + 200);
  // The killed child's WAL still has the spare's size: zeros follow its last record.
  bool zero_tail = false;
  for (const auto& wal : files_in(path, ".log")) zero_tail = zero_tail || fs::file_size(wal) == spare_bytes;
  ASSERT_TRUE(zero_tail);

  ASSIGN_OR_FAIL(log, event_log::open(with_spares(path)));
  EXPECT_FALSE(recovery_reported_corruption(path));
  expect_whole(*log, child.last);
  auto last = log->read_all({child.last}, 1);
  ASSERT_TRUE(last && last.value().size() == 1);
  EXPECT_EQ(storage::to_hex(last.value()[0]->hash), child.hash);
  // The log goes on from there.
  auto more = log->append(testing::make_append("after", "after-1"));
  ASSERT_TRUE(more) << more.error().message;
  EXPECT_EQ(more.value().first.value, child.last + 1);
}

TEST(wal_files, a_wal_that_outgrows_its_spare_keeps_every_event) {
  testing::temp_dir dir;
  const std::string path = dir.sub("db");
  constexpr std::uint64_t small = 64 * 1024;
  {
    ASSIGN_OR_FAIL(log, event_log::open(with_spares(path, small)));
    append_bytes(*log, "warm-up", small / 8 + 4096);
    ASSERT_TRUE(wait_for_spare(path));
  }
  ASSERT_TRUE(wait_for_spare(path));
  // ~600 KB of records into a 64 KiB spare, then killed.
  const auto child = run_child(path, small, 300, 2000);
  ASSERT_EQ(child.on_spares, 1u);
  ASSIGN_OR_FAIL(log, event_log::open(with_spares(path, small)));
  EXPECT_FALSE(recovery_reported_corruption(path));
  expect_whole(*log, child.last);
  auto last = log->read_all({child.last}, 1);
  ASSERT_TRUE(last && last.value().size() == 1);
  EXPECT_EQ(storage::to_hex(last.value()[0]->hash), child.hash);
}

TEST(wal_files, open_keeps_finished_spares_and_removes_unfinished_or_foreign_files) {
  testing::temp_dir dir;
  const std::string path = dir.sub("db");
  { ASSIGN_OR_FAIL(log, event_log::open(log_options{.path = path})); }
  const fs::path spares = fs::path(path) / "wal-spares";
  fs::create_directories(spares);
  const auto write_file = [&](const std::string& name, std::uint64_t size) {
    std::ofstream(spares / name, std::ios::binary) << std::string(size, '\0');
  };
  write_file("spare-7.tmp", spare_bytes / 2);  // a preparation cut short
  write_file("spare-3", spare_bytes / 2);      // prepared for another size
  write_file("notes.txt", 10);
  write_file("spare-5", spare_bytes);
  ASSIGN_OR_FAIL(log, event_log::open(with_spares(path)));
  EXPECT_EQ(log->stats().wal_files_on_spares, 1u) << "the finished spare should carry the first WAL";
  EXPECT_FALSE(fs::exists(spares / "spare-7.tmp"));
  EXPECT_FALSE(fs::exists(spares / "spare-3"));
  EXPECT_FALSE(fs::exists(spares / "notes.txt"));
  EXPECT_FALSE(fs::exists(spares / "spare-5")) << "renamed into the WAL";
  // The next spare takes a name after the ones seen.
  ASSERT_TRUE(wait_for_spare(path));
  EXPECT_EQ(ready_spares(path)[0].filename(), "spare-6");
}

// A crash on a file system without a journal may leave a rename half done: the spare's old name and the WAL's
// new one both naming the WAL. Such a "spare" holds records, not zeros, and is never written over.
TEST(wal_files, a_spare_that_shares_its_file_with_another_name_is_not_used) {
  testing::temp_dir dir;
  const std::string path = dir.sub("db");
  {
    ASSIGN_OR_FAIL(log, event_log::open(with_spares(path)));
    append_bytes(*log, "s", 16 * 1024);
  }
  const fs::path other = dir.sub("records");
  const std::string records(spare_bytes, 'r');
  std::ofstream(other, std::ios::binary) << records;
  fs::create_directories(fs::path(path) / "wal-spares");
  fs::create_hard_link(other, fs::path(path) / "wal-spares" / "spare-7");
  {
    ASSIGN_OR_FAIL(log, event_log::open(with_spares(path)));
    EXPECT_EQ(log->stats().wal_files_on_spares, 0u) << "the WAL was written over a file with two names";
    EXPECT_FALSE(fs::exists(fs::path(path) / "wal-spares" / "spare-7")) << "its spare name is removed";
    append_bytes(*log, "s2", 16 * 1024);
  }
  std::ifstream in(other, std::ios::binary);
  const std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(after, records) << "the other name's bytes are untouched";
}

TEST(wal_files, a_backup_of_a_log_on_a_spare_takes_no_spare_and_restores_whole) {
  testing::temp_dir dir;
  const std::string path = dir.sub("db");
  prepare_dir_with_spare(path);
  ASSIGN_OR_FAIL(log, event_log::open(with_spares(path)));
  ASSERT_EQ(log->stats().wal_files_on_spares, 1u);
  append_bytes(*log, "backed-up", 32 * 1024);
  ASSERT_OK(log->backup_to(dir.sub("backup")));
  // The checkpoint flushes first and takes no WAL, so no zeros either.
  EXPECT_TRUE(files_in(dir.sub("backup"), ".log").empty());
  EXPECT_FALSE(fs::exists(fs::path(dir.sub("backup")) / "wal-spares"));
  ASSERT_OK(event_log::restore(dir.sub("backup"), dir.sub("restored")));
  ASSIGN_OR_FAIL(restored, event_log::open(with_spares(dir.sub("restored"))));
  expect_whole(*restored, log->head().value);
}

TEST(wal_files, no_spare_is_made_without_the_free_space_it_must_leave) {
  testing::temp_dir dir;
  const std::string path = dir.sub("db");
  log_options o = with_spares(path);
  o.wal_spare_min_free_bytes = std::uint64_t{1} << 62;  // more than any disk has
  {
    ASSIGN_OR_FAIL(log, event_log::open(o));
    append_bytes(*log, "busy", spare_bytes / 4);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_TRUE(ready_spares(path).empty()) << "a spare must not take the log's space";
    EXPECT_TRUE(fs::is_empty(fs::path(path) / "wal-spares")) << "nothing half-made either";
  }
  // With room, the same log makes one.
  prepare_dir_with_spare(path);
}

TEST(wal_files, none_when_turned_off_or_not_syncing) {
  testing::temp_dir dir;
  {
    log_options off = with_spares(dir.sub("off"), 0);
    ASSIGN_OR_FAIL(log, event_log::open(off));
    append_bytes(*log, "s", 256 * 1024);
  }
  EXPECT_FALSE(fs::exists(fs::path(dir.sub("off")) / "wal-spares"));
  {
    log_options buffered = with_spares(dir.sub("buffered"));
    buffered.durability_mode = storage::durability::buffered;
    ASSIGN_OR_FAIL(log, event_log::open(buffered));
    append_bytes(*log, "s", 256 * 1024);
  }
  EXPECT_FALSE(fs::exists(fs::path(dir.sub("buffered")) / "wal-spares"));
}

}  // namespace
}  // namespace thidua
