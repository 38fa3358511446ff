#pragma once
// The system's wall clock, for the composition roots (server_main, the CLI) to hand to the layers: the one
// place in the code base that reads it (engine/clock.h).

#include <chrono>

#include "engine/clock.h"

namespace thidua::api {

class system_wall_clock final : public engine::wall_clock {
 public:
  std::int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace thidua::api
