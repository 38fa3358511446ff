#pragma once
// The wall clock, injected: the time a command is decided at and its events are recorded at. Only the
// composition roots read the system's clock (api/server/system_wall_clock.h, used by server_main and the
// CLI); everything below is handed a wall_clock, so tests set and advance time instead of sleeping or
// depending on today's date.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace thidua::engine {

class wall_clock {
 public:
  virtual ~wall_clock() = default;
  // Milliseconds since the Unix epoch.
  virtual std::int64_t now_ms() const = 0;
};

// A clock that moves only when told: for tests and replays.
class manual_wall_clock final : public wall_clock {
 public:
  explicit manual_wall_clock(std::int64_t start_ms) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_.load(); }
  void set(std::int64_t ms) { now_.store(ms); }
  void advance(std::chrono::milliseconds by) { now_.fetch_add(by.count()); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace thidua::engine
