#pragma once
// A log position as a read-model key part: 20 decimal digits, so keys sort in position order; and a counter
// kept as a read-model value (decimal; absent = 0).

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

namespace thidua::api {

inline std::string position_key(std::uint64_t n) {
  std::string s = std::to_string(n);
  return std::string(20 - s.size(), '0') + s;
}

inline std::uint64_t counter_value(const std::optional<std::string>& text) {
  std::uint64_t n = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), n);
  return n;
}

}  // namespace thidua::api
