// The stream index and command ids are written after their records (while the records' sync runs), so a crash
// can leave records without them. These tests take them away behind the log's back and check that opening
// the log puts back exactly what was there.

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "storage/event_log.h"
#include "storage/rocksdb/keys.h"
#include "tests/storage/log_test_util.h"
#include "tests/storage/rocksdb/raw_db.h"
#include "tests/support/test_support.h"

namespace thidua::storage {
namespace {

using thidua::testing::make_append;
using thidua::testing::raw_db;
using thidua::testing::temp_dir;

struct appended {
  std::string command_id;
  append_result result;
};

class index_recovery_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = open();
    ASSERT_TRUE(log);
    // Streams of several appends, appends of several events, interleaved.
    for (int i = 0; i < 40; ++i) {
      const std::string command = "cmd-" + std::to_string(i);
      auto r = log->append(make_append("stream-" + std::to_string(i % 4), command, 1 + i % 3));
      ASSERT_TRUE(r) << r.error().message;
      appends_.push_back({command, r.value()});
    }
  }
  std::unique_ptr<event_log> open() {
    auto r = event_log::open(log_options{.path = dir_.sub("db")});
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::move(r).value() : nullptr;
  }
  // Deletes the index entries and command ids of the appends from `first` on, as a crash right after their
  // records were written would; `mark` is what the index mark is set to (nullopt: no mark at all).
  void lose_index_from(std::size_t first, std::optional<std::uint64_t> mark) {
    raw_db raw(dir_.sub("db"));
    ASSERT_TRUE(raw.ok());
    for (std::size_t i = first; i < appends_.size(); ++i) {
      const auto& a = appends_[i];
      ASSERT_TRUE(raw.db()->Delete({}, raw.commands(), a.command_id).ok());
      const std::uint64_t events = a.result.last.value - a.result.first.value + 1;
      for (std::uint64_t v = a.result.version.value - events + 1; v <= a.result.version.value; ++v)
        ASSERT_TRUE(raw.db()->Delete({}, raw.streams(), keys::stream_key(a.result.stream_id, v)).ok());
    }
    for (auto* cf : {raw.streams(), raw.commands()}) {
      if (mark) {
        ASSERT_TRUE(raw.db()->Put({}, cf, keys::index_mark, keys::u64_be(*mark)).ok());
      } else {
        ASSERT_TRUE(raw.db()->Delete({}, cf, keys::index_mark).ok());
      }
    }
  }
  void expect_index_complete(event_log& log, bool commands_too = true) {
    for (const auto& a : appends_) {
      if (!commands_too) break;
      ASSIGN_OR_FAIL(found, log.find_command(a.command_id));
      ASSERT_TRUE(found.has_value()) << a.command_id;
      EXPECT_EQ(found->stream_id, a.result.stream_id);
      EXPECT_EQ(found->first, a.result.first) << a.command_id;
      EXPECT_EQ(found->last, a.result.last) << a.command_id;
      EXPECT_EQ(found->version, a.result.version) << a.command_id;
      EXPECT_EQ(found->recorded_at_ms, a.result.recorded_at_ms);
    }
    for (int s = 0; s < 4; ++s) {
      const std::string stream = "stream-" + std::to_string(s);
      ASSIGN_OR_FAIL(events, log.read_stream(stream, {1}, 1000));
      std::uint64_t expected_version = 0;
      for (const auto& a : appends_) {
        if (a.result.stream_id != stream) continue;
        for (auto p = a.result.first.value; p <= a.result.last.value; ++p) {
          ASSERT_LT(expected_version, events.size());
          EXPECT_EQ(events[expected_version]->pos().value, p);
          ++expected_version;
        }
      }
      EXPECT_EQ(events.size(), expected_version);
      ASSIGN_OR_FAIL(head, log.stream_head(stream));
      EXPECT_EQ(head.value, expected_version);
    }
  }
  temp_dir dir_;
  std::vector<appended> appends_;
};

TEST_F(index_recovery_test, records_whose_index_was_lost_are_indexed_again_on_open) {
  lose_index_from(30, appends_[29].result.last.value);
  auto log = open();
  ASSERT_TRUE(log);
  expect_index_complete(*log);
  // A retry of a command whose index was lost is still a duplicate, and the stream goes on at its version.
  ASSIGN_OR_FAIL(retry, log->append(make_append("stream-0", appends_.back().command_id, 1)));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.last, appends_.back().result.last);
  const auto& last = appends_.back().result;
  ASSIGN_OR_FAIL(next,
                 log->append(make_append(last.stream_id, "after", 1, expected_version::exact(last.version))));
  EXPECT_EQ(next.version.value, last.version.value + 1);
  EXPECT_EQ(next.first.value, last.last.value + 1);
}

TEST_F(index_recovery_test, read_only_it_reads_every_stream_whole_past_a_lost_index_and_writes_none_of_it) {
  lose_index_from(25, appends_[24].result.last.value);
  {
    auto r = event_log::open(log_options{.path = dir_.sub("db"), .read_only = true});
    ASSERT_TRUE(r) << r.error().message;
    expect_index_complete(*r.value(), false);
    // Its command id cannot be answered without the index: said so, never "not found".
    auto lost = r.value()->find_command(appends_.back().command_id);
    ASSERT_FALSE(lost);
    EXPECT_EQ(lost.error().code, errc::read_only);
    ASSIGN_OR_FAIL(kept, r.value()->find_command(appends_[3].command_id));
    EXPECT_TRUE(kept.has_value());
  }
  raw_db raw(dir_.sub("db"));
  ASSERT_TRUE(raw.ok());
  std::string v;
  EXPECT_TRUE(raw.db()->Get({}, raw.commands(), appends_.back().command_id, &v).IsNotFound())
      << "a read-only open indexes nothing";
}

TEST_F(index_recovery_test, a_data_dir_without_an_index_mark_is_indexed_from_the_start) {
  lose_index_from(0, std::nullopt);
  auto log = open();
  ASSERT_TRUE(log);
  expect_index_complete(*log);
}

TEST_F(index_recovery_test, the_index_survives_reopening_after_its_rebuild) {
  lose_index_from(10, appends_[9].result.last.value);
  { ASSERT_TRUE(open()); }
  auto log = open();
  ASSERT_TRUE(log);
  expect_index_complete(*log);
}

TEST_F(index_recovery_test, the_lower_of_the_two_marks_decides_where_indexing_starts_again) {
  // As after a crash where `commands` had flushed further than `streams`.
  lose_index_from(20, appends_[19].result.last.value);
  {
    raw_db raw(dir_.sub("db"));
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(
        raw.db()
            ->Put({}, raw.commands(), keys::index_mark, keys::u64_be(appends_.back().result.last.value))
            .ok());
  }
  auto log = open();
  ASSERT_TRUE(log);
  expect_index_complete(*log);
}

TEST_F(index_recovery_test, an_index_mark_beyond_the_last_record_is_refused_as_tampering) {
  {
    raw_db raw(dir_.sub("db"));
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.db()->Put({}, raw.commands(), keys::index_mark, keys::u64_be(10'000)).ok());
  }
  auto r = event_log::open(log_options{.path = dir_.sub("db")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::tampered));
  EXPECT_NE(r.error().message.find("10000"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace thidua::storage
