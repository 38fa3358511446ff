#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "storage/event_log.h"

namespace thidua::testing {

// A projection's whole read model, for comparing a resumed projection with a rebuild.
inline std::map<std::string, std::string> read_model(const storage::event_log& log, const std::string& name) {
  std::map<std::string, std::string> out;
  EXPECT_TRUE(log.projection_scan(name, "", [&](std::string_view k, std::string_view v) {
    out.emplace(k, v);
    return true;
  }));
  return out;
}

}  // namespace thidua::testing
