#pragma once

#include <cstddef>
#include <cstdint>

#include "storage/event_log.h"

namespace thidua::api {

struct demo_summary {
  std::size_t commands = 0;
  std::uint64_t head = 0;
};

// Records the demo data (the real cycles of the source reports) through the engine, like any client would:
// every step is a command, decided by the domain's rules. Idempotent: steps carry stable command ids.
result<demo_summary> load_demo(storage::event_log& log, std::int64_t now_ms);

}  // namespace thidua::api
