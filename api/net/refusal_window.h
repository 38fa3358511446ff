#pragma once
// Counts a connection's refused frames over the last ten seconds (ten one-second buckets): a client that
// keeps sending past its rate is told so a few times, then closed, whatever the pace of its refills.

#include <array>
#include <chrono>
#include <cstdint>

namespace thidua::api {

class refusal_window {
 public:
  static constexpr std::chrono::seconds span{10};

  // Records one refusal at `now`; returns how many fell within the window, this one included.
  std::uint32_t add(std::chrono::steady_clock::time_point now) {
    const auto second = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    auto& b = buckets_[static_cast<std::size_t>(second) % buckets_.size()];
    if (b.second != second) b = {second, 0};
    ++b.count;
    std::uint32_t total = 0;
    for (const auto& x : buckets_)
      if (second - x.second < span.count()) total += x.count;
    return total;
  }

 private:
  struct bucket {
    std::int64_t second = -1'000'000;
    std::uint32_t count = 0;
  };
  std::array<bucket, span.count()> buckets_{};
};

}  // namespace thidua::api
