#include <gtest/gtest.h>

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

class verify_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = open();
    for (int i = 0; i < 50; ++i)
      ASSERT_TRUE(log->append(make_append("s" + std::to_string(i % 3), "c" + std::to_string(i), 1)));
  }
  std::unique_ptr<event_log> open() {
    auto r = event_log::open(log_options{.path = path()});
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::move(r).value() : nullptr;
  }
  std::string path() const { return dir_.sub("db"); }
  verify_report verify_all() {
    auto log = open();
    auto r = log->verify({1}, {UINT64_MAX});
    EXPECT_TRUE(r);
    return r.value();
  }
  std::string get(raw_db& raw, std::uint64_t pos) {
    std::string v;
    EXPECT_TRUE(raw.db()->Get({}, raw.events(), keys::event_key(pos), &v).ok());
    return v;
  }
  void put(raw_db& raw, std::uint64_t pos, const std::string& v) {
    ASSERT_TRUE(raw.db()->Put({}, raw.events(), keys::event_key(pos), v).ok());
  }
  temp_dir dir_;
};

TEST_F(verify_test, an_untouched_log_verifies) {
  auto report = verify_all();
  EXPECT_TRUE(report.ok) << report.what;
  EXPECT_EQ(report.records, 50u);
  EXPECT_EQ(report.last_checked.value, 50u);
}

TEST_F(verify_test, names_the_record_whose_payload_byte_was_flipped) {
  {
    raw_db raw(path());
    ASSERT_TRUE(raw.ok());
    std::string v = get(raw, 17);
    v[v.size() - 3] ^= 0x01;  // inside the payload
    put(raw, 17, v);
  }
  auto report = verify_all();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad.value, 17u);
  EXPECT_NE(report.what.find("altered"), std::string::npos) << report.what;
}

// The record's bytes hold no length of their own (record_view_test: a cut between fields still decodes), so
// the chain hash is what refuses a truncated record: at every cut point, from the empty value to one byte
// short.
TEST_F(verify_test, names_a_record_cut_at_any_point) {
  std::string whole;
  {
    raw_db raw(path());
    whole = get(raw, 17);
  }
  ASSERT_GT(whole.size(), 40u);
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    {
      raw_db raw(path());
      put(raw, 17, whole.substr(0, cut));
    }
    auto report = verify_all();
    ASSERT_FALSE(report.ok) << "cut at " << cut << " of " << whole.size() << " passed";
    ASSERT_EQ(report.first_bad.value, 17u) << "cut at " << cut;
  }
  {
    raw_db raw(path());
    put(raw, 17, whole);
  }
  EXPECT_TRUE(verify_all().ok) << "the whole record verifies again: the test broke nothing else";
}

TEST_F(verify_test, names_the_record_whose_stored_hash_was_changed) {
  {
    raw_db raw(path());
    std::string v = get(raw, 9);
    v[5] ^= 0x40;  // inside the frame's hash
    put(raw, 9, v);
  }
  auto report = verify_all();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad.value, 9u);
}

TEST_F(verify_test, names_a_removed_record) {
  {
    raw_db raw(path());
    ASSERT_TRUE(raw.db()->Delete({}, raw.events(), keys::event_key(23)).ok());
  }
  auto report = verify_all();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad.value, 23u);
  EXPECT_NE(report.what.find("missing"), std::string::npos) << report.what;
}

TEST_F(verify_test, names_the_first_of_two_swapped_records) {
  {
    raw_db raw(path());
    std::string a = get(raw, 30), b = get(raw, 31);
    put(raw, 30, b);
    put(raw, 31, a);
  }
  auto report = verify_all();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad.value, 30u);
}

TEST_F(verify_test, names_a_valid_record_copied_over_another_position) {
  {
    raw_db raw(path());
    put(raw, 40, get(raw, 41));
  }
  auto report = verify_all();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad.value, 40u);
}

TEST_F(verify_test, names_a_key_that_is_not_a_position_without_reading_past_it) {
  {
    raw_db raw(path());
    // Sorts right after position 10's key.
    ASSERT_TRUE(raw.db()->Put({}, raw.events(), keys::event_key(10) + "x", "junk").ok());
  }
  auto report = verify_all();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad.value, 11u);
  EXPECT_NE(report.what.find("not a position"), std::string::npos) << report.what;
}

TEST_F(verify_test, a_cut_tail_is_refused_at_open_and_named) {
  {
    raw_db raw(path());
    ASSERT_TRUE(raw.db()->Delete({}, raw.events(), keys::event_key(50)).ok());
  }
  auto r = event_log::open(log_options{.path = path()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::tampered);
  EXPECT_NE(r.error().message.find("49"), std::string::npos) << r.error().message;
}

TEST_F(verify_test, verifies_a_range) {
  {
    raw_db raw(path());
    std::string v = get(raw, 45);
    v[v.size() - 1] ^= 0x02;
    put(raw, 45, v);
  }
  auto log = open();
  auto early = log->verify({10}, {20});
  ASSERT_TRUE(early);
  EXPECT_TRUE(early.value().ok);
  EXPECT_EQ(early.value().records, 11u);
  auto late = log->verify({40}, {UINT64_MAX});
  ASSERT_TRUE(late);
  EXPECT_FALSE(late.value().ok);
  EXPECT_EQ(late.value().first_bad.value, 45u);
}

}  // namespace
}  // namespace thidua::storage
