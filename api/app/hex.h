#pragma once
// Lower-case hex, as tokens' SHA-256, chain hashes and receipts show bytes.

#include <algorithm>
#include <cstddef>
#include <string>

namespace thidua::api {

inline std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(digits[p[i] >> 4]);
    s.push_back(digits[p[i] & 15]);
  }
  return s;
}

// 64 lower-case hex digits: a SHA-256 as we write it.
inline bool is_hex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace thidua::api
