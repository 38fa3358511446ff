#pragma once
// The store conformance suite (tests/storage/log_conformance.cc): what every backend of storage::event_log
// must do. A backend adopts it in one line, in its own test target that also compiles log_conformance.cc:
//
//   THIDUA_LOG_CONFORMANCE(rocksdb, &storage::rocksdb_log::open);

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <vector>

#include "storage/event_log.h"
#include "tests/support/test_support.h"

namespace thidua::storage {

// Opens a backend's log with these options (a path of its own under a fresh directory; reopened on it).
using log_opener = result<std::unique_ptr<event_log>> (*)(log_options);

class log_conformance : public ::testing::TestWithParam<log_opener> {
 protected:
  void SetUp() override { reopen(); }
  result<std::unique_ptr<event_log>> open(log_options options) const {
    return GetParam()(std::move(options));
  }
  void reopen() {
    log_.reset();
    auto r = open(log_options{.path = dir_.sub("db")});
    ASSERT_TRUE(r) << r.error().message;
    log_ = std::move(r).value();
  }
  // Queues every request before the first completes (they mostly share a batch) and returns the results.
  std::vector<result<append_result>> append_together(std::vector<append_request> requests) {
    std::vector<std::shared_ptr<std::promise<result<append_result>>>> promises;
    std::vector<std::future<result<append_result>>> futures;
    for (auto& r : requests) {
      promises.push_back(std::make_shared<std::promise<result<append_result>>>());
      futures.push_back(promises.back()->get_future());
      log_->append_async(std::move(r),
                         [p = promises.back()](result<append_result> x) { p->set_value(std::move(x)); });
    }
    std::vector<result<append_result>> out;
    for (auto& f : futures) out.push_back(f.get());
    return out;
  }

  testing::temp_dir dir_;
  std::unique_ptr<event_log> log_;
};

}  // namespace thidua::storage

// Inside namespace thidua::storage (GoogleTest pastes the fixture's name into its own).
#define THIDUA_LOG_CONFORMANCE(backend, opener)                                 \
  INSTANTIATE_TEST_SUITE_P(backend, log_conformance, ::testing::Values(opener), \
                           [](const auto&) { return std::string(#backend); })
