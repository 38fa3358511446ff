// A log opened read-only reads beside the process that writes it, writes nothing — not even to a backup it
// opens — and refuses every write; a second writer is refused as locked, in plain words.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "storage/event_log.h"
#include "tests/storage/log_test_util.h"
#include "tests/support/test_support.h"

namespace thidua::storage {
namespace {

using thidua::testing::make_append;
using thidua::testing::temp_dir;

std::unique_ptr<event_log> open_log(const std::string& path, bool read_only) {
  auto r =
      event_log::open(log_options{.path = path, .create_if_missing = !read_only, .read_only = read_only});
  EXPECT_TRUE(r) << r.error().message;
  return r ? std::move(r).value() : nullptr;
}

TEST(read_only_log, reads_beside_its_writer_as_the_log_was_at_open_and_refuses_every_write) {
  temp_dir dir;
  auto writer = open_log(dir.sub("db"), false);
  ASSERT_TRUE(writer);
  for (int i = 0; i < 30; ++i)
    ASSERT_OK(writer->append(make_append("s" + std::to_string(i % 3), "c" + std::to_string(i))));
  auto reader = open_log(dir.sub("db"), true);
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->head().value, 30u);
  ASSIGN_OR_FAIL(s1, reader->read_stream("s1", {1}, 100));
  EXPECT_EQ(s1.size(), 10u);
  ASSIGN_OR_FAIL(v, reader->stream_head("s2"));
  EXPECT_EQ(v.value, 10u);
  ASSIGN_OR_FAIL(report, reader->verify({1}, {UINT64_MAX}));
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.records, 30u);

  auto refused = reader->append(make_append("s1", "from-the-reader"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::read_only);
  projection_batch batch;
  batch.put("k", "v");
  EXPECT_EQ(reader->commit_projection("model", batch, {30}).error().code, errc::read_only);
  EXPECT_EQ(reader->reset_projection("model").error().code, errc::read_only);
  EXPECT_EQ(reader->backup_to(dir.sub("bk")).error().code, errc::read_only);
  EXPECT_FALSE(std::filesystem::exists(dir.sub("bk")));

  // The writer goes on; the reader keeps the log as it was when it opened.
  ASSERT_OK(writer->append(make_append("s1", "after")));
  EXPECT_EQ(writer->head().value, 31u);
  EXPECT_EQ(reader->head().value, 30u);
  EXPECT_EQ(reader->read_stream("s1", {1}, 100).value().size(), 10u);
  EXPECT_EQ(open_log(dir.sub("db"), true)->head().value, 31u) << "a new read-only open sees the new head";
}

TEST(read_only_log, a_second_writer_is_refused_as_locked) {
  temp_dir dir;
  auto writer = open_log(dir.sub("db"), false);
  ASSERT_TRUE(writer);
  auto second = event_log::open(log_options{.path = dir.sub("db")});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, errc::locked);
  EXPECT_NE(second.error().message.find("another process"), std::string::npos) << second.error().message;
}

TEST(read_only_log, a_backup_opened_read_only_keeps_every_byte_of_every_file) {
  temp_dir dir;
  {
    auto writer = open_log(dir.sub("db"), false);
    ASSERT_TRUE(writer);
    for (int i = 0; i < 50; ++i)
      ASSERT_OK(writer->append(make_append("s" + std::to_string(i % 4), "c" + std::to_string(i))));
    ASSERT_OK(writer->backup_to(dir.sub("bk")));
  }
  const auto before = thidua::testing::files_of(dir.sub("bk"));
  ASSERT_GT(before.size(), 3u);
  {
    auto reader = open_log(dir.sub("bk"), true);
    ASSERT_TRUE(reader);
    ASSIGN_OR_FAIL(report, reader->verify({1}, {UINT64_MAX}));
    EXPECT_TRUE(report.ok);
    EXPECT_EQ(reader->read_all({1}, 1000).value().size(), 50u);
    EXPECT_EQ(reader->read_stream("s3", {1}, 100).value().size(), 12u);
  }
  EXPECT_EQ(thidua::testing::files_of(dir.sub("bk")), before) << "a read-only open changed the backup";
}

TEST(read_only_log, a_dir_without_a_log_is_not_found_and_not_created) {
  temp_dir dir;
  auto r = event_log::open(log_options{.path = dir.sub("typo"), .read_only = true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::not_found);
  EXPECT_FALSE(std::filesystem::exists(dir.sub("typo")));
}

}  // namespace
}  // namespace thidua::storage
