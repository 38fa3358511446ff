#pragma once
// What the timer service (engine/timer_service.h) has done since it started, for metrics.

#include <cstdint>

namespace thidua::engine {

struct timer_stats {
  std::uint64_t fired = 0;     // timers whose command was decided
  std::uint64_t recorded = 0;  // … and recorded events
  std::uint64_t repeats = 0;   // … found already recorded (a crash came between recording and removing)
  std::uint64_t removed = 0;   // … recorded nothing, so the timer was removed
  std::uint64_t failed = 0;    // … failed (the log, a busy stream): kept, tried again
};

}  // namespace thidua::engine
