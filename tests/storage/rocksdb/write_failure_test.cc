// When a WAL write or sync fails, the log refuses that append and every later one with `log_poisoned` until
// it is reopened (the file's state after a failed sync is unknown), acknowledges nothing it did not make
// durable, and after a reopen continues one verified chain with no hole: the refused append is there whole or
// not at all.

#include <gtest/gtest.h>

#include "storage/event_log.h"
#include "tests/storage/log_test_util.h"
#include "tests/support/failing_wal_fs.h"
#include "tests/support/test_support.h"

namespace thidua {
namespace {

using storage::errc;
using storage::event_log;
using storage::log_options;

log_options failing(const std::string& path, const std::shared_ptr<testing::failing_wal_fs>& fs) {
  log_options o{.path = path};
  o.wal_spare_bytes = 0;  // syncs fail only on WALs RocksDB creates itself, not on those over a spare
  o.file_system = fs;
  return o;
}

void append_three(event_log& log) {
  for (int i = 0; i < 3; ++i) ASSERT_OK(log.append(testing::make_append("s", "ok-" + std::to_string(i))));
}

// The disk may be fine again, but what the failed write or sync left is unknown: refused until reopened.
void expect_refused_until_reopened(event_log& log) {
  auto later = log.append(testing::make_append("s", "later"));
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, errc::log_poisoned);
  EXPECT_EQ(log.head().value, 3u) << "readers never see what was not made durable";
}

void expect_whole_chain(event_log& log) {
  auto report = log.verify({1}, {UINT64_MAX});
  ASSERT_TRUE(report);
  ASSERT_TRUE(report.value().ok) << report.value().what << " at " << report.value().first_bad.value;
  ASSERT_EQ(report.value().records, log.head().value) << "positions have holes";
}

TEST(write_failure, a_failed_wal_write_poisons_the_log_until_it_is_reopened) {
  testing::temp_dir dir;
  auto fs = std::make_shared<testing::failing_wal_fs>();
  {
    ASSIGN_OR_FAIL(log, event_log::open(failing(dir.sub("db"), fs)));
    ASSERT_NO_FATAL_FAILURE(append_three(*log));
    fs->fail_writes = true;
    auto refused = log->append(testing::make_append("s", "lost", 2));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, errc::log_poisoned);
    EXPECT_NE(refused.error().message.find("writing to the log"), std::string::npos)
        << refused.error().message;
    EXPECT_GT(fs->failures.load(), 0);
    fs->fail_writes = false;
    ASSERT_NO_FATAL_FAILURE(expect_refused_until_reopened(*log));
  }
  ASSIGN_OR_FAIL(log, event_log::open(log_options{.path = dir.sub("db")}));
  EXPECT_EQ(log->head().value, 3u) << "nothing of the failed write may appear";
  expect_whole_chain(*log);
  auto lost = log->find_command("lost");
  ASSERT_TRUE(lost);
  EXPECT_FALSE(lost.value().has_value());
  ASSIGN_OR_FAIL(next, log->append(testing::make_append("s", "lost", 2)));
  EXPECT_EQ(next.first.value, 4u);
  EXPECT_EQ(next.version.value, 5u);
  expect_whole_chain(*log);
}

TEST(write_failure, after_a_failed_sync_the_refused_append_is_there_whole_or_not_at_all) {
  testing::temp_dir dir;
  auto fs = std::make_shared<testing::failing_wal_fs>();
  {
    ASSIGN_OR_FAIL(log, event_log::open(failing(dir.sub("db"), fs)));
    ASSERT_NO_FATAL_FAILURE(append_three(*log));
    fs->fail_syncs = true;
    auto refused = log->append(testing::make_append("s", "unsure", 2));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, errc::log_poisoned);
    EXPECT_NE(refused.error().message.find("not durable"), std::string::npos) << refused.error().message;
    fs->fail_syncs = false;
    ASSERT_NO_FATAL_FAILURE(expect_refused_until_reopened(*log));
  }
  ASSIGN_OR_FAIL(log, event_log::open(log_options{.path = dir.sub("db")}));
  const auto head = log->head().value;
  ASSERT_TRUE(head == 3u || head == 5u) << "the two events of the refused append, both or neither: " << head;
  expect_whole_chain(*log);
  // A retry with the same command id gets one outcome either way, and never writes the events twice.
  ASSIGN_OR_FAIL(retry, log->append(testing::make_append("s", "unsure", 2)));
  EXPECT_EQ(retry.duplicate, head == 5u);
  EXPECT_EQ(retry.first.value, 4u);
  EXPECT_EQ(retry.last.value, 5u);
  EXPECT_EQ(log->head().value, 5u);
  auto stream = log->read_stream("s", {1}, 100);
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream.value().size(), 5u);
  expect_whole_chain(*log);
}

// The index is written after the records, without the WAL, by its own thread (docs/storage.md); when that
// write fails the log is poisoned like after a failed WAL write. Made to fail for real: once an append fills
// the events memtable, the next write — that append's index — switches memtables, which starts a new WAL, and
// the disk refuses the new file.
TEST(write_failure, a_failed_index_write_poisons_the_log_until_it_is_reopened) {
  testing::temp_dir dir;
  auto fs = std::make_shared<testing::failing_wal_fs>();
  std::uint64_t acknowledged = 0;
  std::string refusal;
  {
    ASSIGN_OR_FAIL(log, event_log::open(failing(dir.sub("db"), fs)));
    fs->fail_wal_creation = true;
    // 1 MiB events: the 64 MiB events memtable fills within ~70 appends.
    for (int i = 0; i < 100 && refusal.empty(); ++i) {
      auto r = log->append(testing::make_append("s", "big-" + std::to_string(i), 1,
                                                storage::expected_version::any(), 1 << 20));
      if (r) {
        acknowledged = r.value().last.value;
      } else {
        EXPECT_EQ(r.error().code, errc::log_poisoned);
        refusal = r.error().message;
      }
    }
    ASSERT_NE(refusal, "") << "the events memtable never filled";
    EXPECT_NE(refusal.find("stream index"), std::string::npos) << refusal;
    EXPECT_GT(fs->failures.load(), 0);
    fs->fail_wal_creation = false;
    auto later = log->append(testing::make_append("s", "later"));
    ASSERT_FALSE(later);
    EXPECT_EQ(later.error().code, errc::log_poisoned) << "refused until reopened, the disk fine again or not";
    EXPECT_EQ(log->head().value, acknowledged) << "nothing past the last acknowledgement is readable";
  }
  ASSIGN_OR_FAIL(log, event_log::open(log_options{.path = dir.sub("db")}));
  const auto head = log->head().value;
  EXPECT_TRUE(head == acknowledged || head == acknowledged + 1)
      << "the refused append is there whole or not at all: " << head;
  expect_whole_chain(*log);
  ASSIGN_OR_FAIL(stream, log->read_stream("s", {1}, 1000));
  EXPECT_EQ(stream.size(), head) << "the index was rebuilt from the records at open";
}

}  // namespace
}  // namespace thidua
