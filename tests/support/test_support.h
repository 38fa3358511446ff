#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "storage/result.h"

namespace thidua::testing {

// A fresh directory under the system temp dir, removed when the object dies.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

 private:
  std::string path_;
};

// Every file and directory under `dir`, by relative path: a file's bytes and modification time, "dir" for a
// directory. Two snapshots are equal only if nothing under `dir` was written, created or removed.
std::map<std::string, std::string> files_of(const std::string& dir);

inline std::string describe(const error& e) {
  return e.code.message() + " — " + e.message;
}

}  // namespace thidua::testing

#define ASSERT_OK(expr)                                                                         \
  do {                                                                                          \
    auto&& assert_ok_r_ = (expr);                                                               \
    ASSERT_TRUE(assert_ok_r_.has_value()) << ::thidua::testing::describe(assert_ok_r_.error()); \
  } while (0)

#define EXPECT_OK(expr)                                                                         \
  do {                                                                                          \
    auto&& expect_ok_r_ = (expr);                                                               \
    EXPECT_TRUE(expect_ok_r_.has_value()) << ::thidua::testing::describe(expect_ok_r_.error()); \
  } while (0)

// Asserts success and names the value: ASSIGN_OR_FAIL(v, f());  (only in functions returning void)
#define ASSIGN_OR_FAIL(lhs, expr)                                                               \
  auto lhs##_result_ = (expr);                                                                  \
  ASSERT_TRUE(lhs##_result_.has_value()) << ::thidua::testing::describe(lhs##_result_.error()); \
  auto lhs = std::move(lhs##_result_).value()
