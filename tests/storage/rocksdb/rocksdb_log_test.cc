// The RocksDB backend: the store conformance suite, and what only this backend can show (its command ids
// rebuilt from the records after a crash lost them).

#include <gtest/gtest.h>

#include <memory>

#include "storage/rocksdb/keys.h"
#include "storage/rocksdb/rocksdb_log.h"
#include "tests/storage/log_conformance.h"
#include "tests/storage/log_test_util.h"
#include "tests/storage/rocksdb/raw_db.h"
#include "tests/support/test_support.h"

namespace thidua::storage {

THIDUA_LOG_CONFORMANCE(rocksdb, &rocksdb_log::open);

namespace {

using thidua::testing::make_append;
using thidua::testing::raw_db;
using thidua::testing::temp_dir;
using thidua::testing::with_digest;

class rocksdb_log_test : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    log_.reset();
    auto r = rocksdb_log::open(log_options{.path = dir_.sub("db")});
    ASSERT_TRUE(r) << r.error().message;
    log_ = std::move(r).value();
  }
  temp_dir dir_;
  std::unique_ptr<event_log> log_;
};

TEST_F(rocksdb_log_test, the_digest_outlives_a_reopen_and_a_rebuild_of_the_command_ids_from_the_records) {
  ASSERT_OK(log_->append(with_digest(make_append("s", "kept", 3), "digest-a")));
  ASSERT_OK(log_->append(make_append("s", "without-digest", 1)));
  reopen();
  auto after_reopen = log_->append(with_digest(make_append("s", "kept"), "digest-b"));
  ASSERT_FALSE(after_reopen);
  EXPECT_EQ(after_reopen.error().code, errc::command_id_reused);
  // As after a crash before the index was flushed: the command ids are gone and the marks say so.
  log_.reset();
  {
    raw_db raw(dir_.sub("db"));
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.db()->Delete({}, raw.commands(), "kept").ok());
    ASSERT_TRUE(raw.db()->Delete({}, raw.commands(), "without-digest").ok());
    ASSERT_TRUE(raw.db()->Put({}, raw.commands(), keys::index_mark, keys::u64_be(0)).ok());
  }
  reopen();
  EXPECT_EQ(log_->stats().reindexed_at_open, 4u);
  EXPECT_EQ(log_->stats().reindexed_from, 1u);
  ASSIGN_OR_FAIL(found, log_->find_command("kept"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->command_digest, "digest-a") << "rebuilt from the first record of the append";
  auto rebuilt = log_->append(with_digest(make_append("s", "kept"), "digest-b"));
  ASSERT_FALSE(rebuilt);
  EXPECT_EQ(rebuilt.error().code, errc::command_id_reused);
  ASSIGN_OR_FAIL(legacy, log_->append(with_digest(make_append("s", "without-digest"), "anything")));
  EXPECT_TRUE(legacy.duplicate) << "an id stored without a digest is not compared";
}

// docs/storage.md: a build refuses a data dir of another schema version, and says which it found — before it
// writes anything into it.
TEST(rocksdb_log_schema, a_data_dir_with_another_schema_version_is_refused_and_left_as_it_is) {
  temp_dir dir;
  {
    auto made = rocksdb_log::open(log_options{.path = dir.sub("db")});
    ASSERT_TRUE(made) << made.error().message;
    ASSERT_TRUE(made.value()->append(make_append("s", "c1")));
  }
  for (const std::string& stored : {keys::u64_be(keys::schema_version + 1), std::string("x")}) {
    {
      raw_db raw(dir.sub("db"));
      ASSERT_TRUE(raw.ok());
      ASSERT_TRUE(raw.db()->Put({}, raw.meta(), keys::meta_schema_version, stored).ok());
    }
    auto refused = rocksdb_log::open(log_options{.path = dir.sub("db")});
    ASSERT_FALSE(refused) << "a data dir of another schema version was opened";
    EXPECT_EQ(refused.error().code, errc::corruption);
    EXPECT_NE(refused.error().message.find(stored.size() == 8 ? "schema version 2" : "(unreadable)"),
              std::string::npos)
        << refused.error().message;
    raw_db raw(dir.sub("db"));
    std::string kept;
    ASSERT_TRUE(raw.db()->Get({}, raw.meta(), keys::meta_schema_version, &kept).ok());
    EXPECT_EQ(kept, stored) << "the refused dir is not rewritten";
  }
}

}  // namespace
}  // namespace thidua::storage
