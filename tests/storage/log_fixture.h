#pragma once
// A test with its own event log in a fresh directory, reopened on demand over the same files: the setup the
// tests above storage share (written against the log's public face).

#include <gtest/gtest.h>

#include <memory>

#include "storage/event_log.h"
#include "tests/support/test_support.h"

namespace thidua::testing {

class log_fixture : public ::testing::Test {
 protected:
  void SetUp() override { reopen_log(); }
  // Closes the log (if open) and opens it again with `options` (its path is always this test's directory).
  void reopen_log(storage::log_options options = {}) {
    log_.reset();
    options.path = dir_.sub("db");
    auto opened = storage::event_log::open(options);
    ASSERT_TRUE(opened) << describe(opened.error());
    log_ = std::move(opened).value();
  }

  temp_dir dir_;
  std::unique_ptr<storage::event_log> log_;
};

}  // namespace thidua::testing
