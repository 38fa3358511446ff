#pragma once
// A log position as a read-model key part: 20 decimal digits, so keys sort in position order.

#include <cstdint>
#include <string>

namespace thidua::api {

inline std::string position_key(std::uint64_t n) {
  std::string s = std::to_string(n);
  return std::string(20 - s.size(), '0') + s;
}

}  // namespace thidua::api
