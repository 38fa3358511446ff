#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <utility>
#include <vector>

#include "storage/event_log.h"
#include "tests/storage/log_test_util.h"
#include "tests/support/test_support.h"

namespace thidua::storage {
namespace {

using thidua::testing::make_append;
using thidua::testing::temp_dir;

TEST(backup, its_progress_never_goes_back_nor_past_the_total_and_ends_at_the_total) {
  temp_dir dir;
  auto opened = event_log::open(log_options{.path = dir.sub("db")});
  ASSERT_TRUE(opened);
  auto log = std::move(opened).value();
  for (int i = 0; i < 2000; ++i)
    ASSERT_OK(log->append(make_append("s", "c-" + std::to_string(i), 1, expected_version::any(), 400)));
  std::vector<std::pair<std::uint64_t, std::uint64_t>> heard;
  ASSERT_OK(log->backup_to(dir.sub("backup"), [&](std::uint64_t copied, std::uint64_t total) {
    heard.emplace_back(copied, total);
  }));
  ASSERT_FALSE(heard.empty()) << "a complete copy is always reported";
  const auto total = heard.back().second;
  EXPECT_GT(total, 2000u * 400u / 8) << "the tables' size (compressed), not 0";
  EXPECT_EQ(heard.back().first, total);
  for (std::size_t i = 0; i < heard.size(); ++i) {
    EXPECT_LE(heard[i].first, heard[i].second);
    if (i > 0) {
      EXPECT_GE(heard[i].first, heard[i - 1].first);
    }
  }
}

TEST(backup, online_backup_while_appending_restores_to_a_verified_log) {
  temp_dir dir;
  std::uint64_t backed_up_at_least = 0;
  {
    auto opened = event_log::open(log_options{.path = dir.sub("db")});
    ASSERT_TRUE(opened);
    auto log = std::move(opened).value();
    for (int i = 0; i < 100; ++i) ASSERT_OK(log->append(make_append("s", "before-" + std::to_string(i))));
    std::atomic<bool> stop{false};
    std::atomic<int> during{0};
    std::thread writer([&] {
      for (int i = 0; !stop; ++i) {
        EXPECT_OK(log->append(make_append("s", "during-" + std::to_string(i))));
        ++during;
      }
    });
    while (during.load() == 0) std::this_thread::yield();
    // A backup counts only if an append was acknowledged while it ran (the head moved across the call):
    // that is the case this test is about. Each try takes a new directory.
    bool overlapped = false;
    for (int attempt = 0; attempt < 50 && !overlapped; ++attempt) {
      std::filesystem::remove_all(dir.sub("backup"));
      backed_up_at_least = log->head().value;
      ASSERT_OK(log->backup_to(dir.sub("backup")));
      overlapped = log->head().value > backed_up_at_least;
    }
    stop = true;
    writer.join();
    ASSERT_TRUE(overlapped) << "no append ran during any of 50 backups";
    auto again = log->backup_to(dir.sub("backup"));
    ASSERT_FALSE(again) << "an existing backup dir is never overwritten";
  }
  ASSERT_OK(event_log::restore(dir.sub("backup"), dir.sub("restored")));
  auto opened = event_log::open(log_options{.path = dir.sub("restored")});
  ASSERT_TRUE(opened);
  auto restored = std::move(opened).value();
  EXPECT_GE(restored->head().value, backed_up_at_least);
  ASSIGN_OR_FAIL(report, restored->verify({1}, {UINT64_MAX}));
  EXPECT_TRUE(report.ok) << report.what;
  EXPECT_EQ(report.records, restored->head().value);
  ASSIGN_OR_FAIL(next, restored->append(make_append("s", "after-restore")));
  EXPECT_EQ(next.first.value, report.records + 1);

  auto into_full = event_log::restore(dir.sub("backup"), dir.sub("restored"));
  ASSERT_FALSE(into_full);
  EXPECT_EQ(into_full.error().code, errc::invalid_argument);
  auto from_nothing = event_log::restore(dir.sub("nope"), dir.sub("x"));
  ASSERT_FALSE(from_nothing);
}

}  // namespace
}  // namespace thidua::storage
