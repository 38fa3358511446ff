#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "storage/event_log.h"

namespace thidua::api {

struct demo_summary {
  std::size_t commands = 0;
  std::size_t tokens = 0;
  std::uint64_t head = 0;
};

// Records the demo data (the real cycles of the source reports) through the engine, like any client would:
// every step is a command, decided by the domain's rules. Idempotent: steps carry stable command ids.
// Then issues a demo token for each organizer's office, each chair, vice chair and member unit, and writes
// them to `tokens_file`, created readable and writable by its owner only (0600); it must not exist yet.
result<demo_summary> load_demo(storage::event_log& log, std::int64_t now_ms, const std::string& tokens_file);

}  // namespace thidua::api
