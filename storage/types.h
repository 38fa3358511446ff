#pragma once

#include <array>
#include <atomic>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace thidua::storage {

// A counter that cannot be mixed up with another counter.
template <class Tag>
struct strong_u64 {
  std::uint64_t value = 0;
  friend constexpr auto operator<=>(strong_u64, strong_u64) = default;
  constexpr strong_u64 next() const { return {value + 1}; }
};

// Global position of an event: 1-based; 0 means "before the first event".
using position = strong_u64<struct position_tag>;
// Version of a stream: the number of events in it; 0 means the stream does not exist.
using stream_version = strong_u64<struct stream_version_tag>;

inline constexpr position before_first{0};

// What an appender believes about the stream it writes to.
class expected_version {
 public:
  static constexpr expected_version any() { return expected_version(kind::any, 0); }
  static constexpr expected_version no_stream() { return expected_version(kind::exact, 0); }
  static constexpr expected_version exact(stream_version v) { return expected_version(kind::exact, v.value); }

  constexpr bool is_any() const { return kind_ == kind::any; }
  constexpr std::uint64_t value() const { return value_; }
  constexpr bool accepts(stream_version actual) const { return kind_ == kind::any || actual.value == value_; }

 private:
  enum class kind { any, exact };
  constexpr expected_version(kind k, std::uint64_t v) : kind_(k), value_(v) {}
  kind kind_;
  std::uint64_t value_;
};

using hash256 = std::array<unsigned char, 32>;
inline constexpr hash256 genesis_hash{};
// 64 lower-case hex digits, as verify reports and receipts show a hash.
std::string to_hex(const hash256& h);

enum class durability {
  sync,      // default: an append is acknowledged only after the WAL holding it is synced to disk
  buffered,  // acknowledged after the write reaches the OS; a power loss may drop the latest appends
};

enum class direction { forward, backward };

// Appends that depend on each other: a caller that decides its next append on the state the previous one will
// leave (before that one is durable) puts them on one chain. The log writes a chain's appends in the order
// they were queued; once one of them writes nothing (refused, a repeat, or failed), every later append of the
// chain fails with errc::chain_broken and writes nothing, so no append is ever written on a state that never
// was. Set by the log's writer; any thread may read it.
struct append_chain {
  std::atomic<bool> broken{false};
};

}  // namespace thidua::storage
