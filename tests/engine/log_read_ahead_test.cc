// The reader that reads the log ahead of a projection gives exactly the records a scan gives, in order,
// within its bounds, holds only a bounded amount, and stops at once when dropped.

#include "engine/log_read_ahead.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/storage/log_fixture.h"
#include "tests/storage/log_test_util.h"
#include "tests/support/test_support.h"

namespace thidua::engine {
namespace {

using thidua::testing::make_append;

std::string describe_record(const storage::record_view& r) {
  return std::to_string(r.position) + '|' + std::string(r.stream_id) + '|' +
         std::to_string(r.stream_version) + '|' + std::string(r.event_type) + '|' +
         std::string(r.command_id) + '|' + std::string(r.actor_person) + '|' + std::string(r.payload) + '|' +
         std::string(r.prev_hash);
}

class read_ahead_test : public thidua::testing::log_fixture {
 protected:
  // n records of `payload_bytes` each, over 5 streams, up to 20 in an append (each append is a sync).
  void append_many(int n, std::size_t payload_bytes = 16) {
    for (int i = 0; i < n; i += 20)
      ASSERT_TRUE(
          log_->append(make_append("s" + std::to_string(i % 5), "c" + std::to_string(seq_++),
                                   std::min(20, n - i), storage::expected_version::any(), payload_bytes)));
  }
  std::vector<std::string> scanned(std::uint64_t from, std::uint64_t to) {
    std::vector<std::string> out;
    EXPECT_OK(log_->scan_views({from}, {to}, [&](const storage::record_view& r, const storage::hash256&) {
      out.push_back(describe_record(r));
      return true;
    }));
    return out;
  }
  static std::vector<std::string> drained(log_read_ahead& ahead) {
    std::vector<std::string> out;
    while (const auto* r = ahead.front()) {
      out.push_back(describe_record(*r));
      ahead.pop();
      EXPECT_EQ(ahead.next_position(), r->position + 1);
    }
    return out;
  }
  int seq_ = 0;
};

TEST_F(read_ahead_test, gives_what_a_scan_gives_across_many_chunks_in_order) {
  // ~12 MB: many more chunks than it may hold at once, so the reader waits for the consumer again and again.
  append_many(1200, 10'000);
  log_read_ahead ahead(*log_, 1, UINT64_MAX);
  const auto got = drained(ahead);
  EXPECT_EQ(got.size(), 1200u);
  EXPECT_EQ(got, scanned(1, UINT64_MAX));
  EXPECT_FALSE(ahead.failure().has_value());
  EXPECT_EQ(ahead.front(), nullptr) << "done stays done";
}

TEST_F(read_ahead_test, keeps_within_its_bounds) {
  append_many(300);
  log_read_ahead ahead(*log_, 120, 180);
  EXPECT_EQ(ahead.next_position(), 120u);
  const auto got = drained(ahead);
  ASSERT_EQ(got.size(), 61u);
  EXPECT_EQ(got, scanned(120, 180));
  log_read_ahead past_the_end(*log_, 301, UINT64_MAX);
  EXPECT_EQ(past_the_end.front(), nullptr);
  EXPECT_FALSE(past_the_end.failure().has_value());
}

TEST_F(read_ahead_test, a_record_bigger_than_a_chunk_comes_whole) {
  append_many(3);
  append_many(1, storage::log_options{}.max_event_bytes - 16);  // the largest event the log takes
  append_many(3);
  std::size_t largest = 0;
  ASSERT_OK(log_->scan_views({1}, {UINT64_MAX}, [&](const storage::record_view& r, const storage::hash256&) {
    largest = std::max(largest, r.bytes.size());
    return true;
  }));
  ASSERT_GT(largest, log_read_ahead::chunk_bytes) << "its record, with the fields around it, is bigger";
  log_read_ahead ahead(*log_, 1, UINT64_MAX);
  EXPECT_EQ(drained(ahead), scanned(1, UINT64_MAX));
}

TEST_F(read_ahead_test, holds_no_more_than_its_chunks_while_the_consumer_waits) {
  append_many(2000, 10'000);  // ~20 MB: far more than it may hold
  log_read_ahead ahead(*log_, 1, UINT64_MAX);
  ASSERT_NE(ahead.front(), nullptr);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (ahead.chunks_waiting() < log_read_ahead::max_chunks && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(ahead.chunks_waiting(), log_read_ahead::max_chunks) << "it ran ahead as far as it may";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(ahead.chunks_waiting(), log_read_ahead::max_chunks) << "and no further";
  EXPECT_EQ(drained(ahead), scanned(1, UINT64_MAX)) << "nothing lost or repeated while it waited";
}

TEST_F(read_ahead_test, dropped_in_the_middle_it_stops_at_once) {
  append_many(3000, 10'000);  // ~30 MB
  const auto begun = std::chrono::steady_clock::now();
  {
    log_read_ahead ahead(*log_, 1, UINT64_MAX);
    for (int i = 0; i < 10; ++i) {
      ASSERT_NE(ahead.front(), nullptr);
      ahead.pop();
    }
  }  // waits for the reader thread, which is blocked handing over a full chunk
  EXPECT_LT(std::chrono::steady_clock::now() - begun, std::chrono::seconds(5));
}

TEST_F(read_ahead_test, reads_the_log_as_it_was_when_it_began) {
  append_many(50);
  log_read_ahead ahead(*log_, 1, UINT64_MAX);
  ASSERT_EQ(drained(ahead).size(), 50u);
  append_many(10);
  EXPECT_EQ(ahead.front(), nullptr) << "a new reader is needed for what came after (the runner makes one)";
  log_read_ahead again(*log_, ahead.next_position(), UINT64_MAX);
  EXPECT_EQ(drained(again), scanned(51, 60));
}

}  // namespace
}  // namespace thidua::engine
