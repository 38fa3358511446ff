#include <gtest/gtest.h>

#include "storage/event_log.h"
#include "tests/support/test_support.h"

namespace thidua::storage {
namespace {

using thidua::testing::temp_dir;

TEST(projection_store, writes_read_model_and_checkpoint_together_and_resets) {
  temp_dir dir;
  auto opened = event_log::open(log_options{.path = dir.sub("db")});
  ASSERT_TRUE(opened);
  auto log = std::move(opened).value();
  ASSIGN_OR_FAIL(cp0, log->projection_checkpoint("counts"));
  EXPECT_EQ(cp0.value, 0u);

  projection_batch b;
  b.put("unit/a", "1");
  b.put("unit/b", "2");
  b.put("other", "x");
  ASSERT_OK(log->commit_projection("counts", b, {7}));
  EXPECT_TRUE(b.empty());
  ASSIGN_OR_FAIL(cp, log->projection_checkpoint("counts"));
  EXPECT_EQ(cp.value, 7u);
  ASSIGN_OR_FAIL(a, log->projection_get("counts", "unit/a"));
  EXPECT_EQ(a.value_or(""), "1");
  // Another projection with a name that is a prefix does not see these keys.
  ASSIGN_OR_FAIL(none, log->projection_get("count", "unit/a"));
  EXPECT_FALSE(none.has_value());

  std::vector<std::string> keys;
  ASSERT_OK(log->projection_scan("counts", "unit/", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  }));
  EXPECT_EQ(keys, (std::vector<std::string>{"unit/a", "unit/b"}));

  b.erase("unit/a");
  ASSERT_OK(log->commit_projection("counts", b, {8}));
  ASSIGN_OR_FAIL(gone, log->projection_get("counts", "unit/a"));
  EXPECT_FALSE(gone.has_value());

  ASSERT_OK(log->reset_projection("counts"));
  ASSIGN_OR_FAIL(after, log->projection_checkpoint("counts"));
  EXPECT_EQ(after.value, 0u);
  ASSIGN_OR_FAIL(b_gone, log->projection_get("counts", "unit/b"));
  EXPECT_FALSE(b_gone.has_value());

  auto bad = log->projection_get("Bad Name", "k");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::invalid_argument);
}

}  // namespace
}  // namespace thidua::storage
