#pragma once
// The domain's view store in a map: what a read model would write, for tests that compare folds.

#include <map>
#include <optional>
#include <string>

#include "domain/views.h"

namespace thidua::testing {

class map_store final : public domain::view_store {
 public:
  std::optional<std::string> get(const std::string& key) override {
    auto it = kv.find(key);
    if (it == kv.end()) return std::nullopt;
    return it->second;
  }
  void put(const std::string& key, std::string value) override { kv[key] = std::move(value); }
  std::map<std::string, std::string> kv;
};

}  // namespace thidua::testing
