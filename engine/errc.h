#pragma once

#include <system_error>

namespace thidua::engine {

// Why the engine refused or failed a command or query. Values are stable.
enum class errc {
  ok = 0,
  rejected = 1,                    // the decider refused the command: error::reason names why
  conflict_retries_exhausted = 2,  // the stream kept moving under us; the caller may retry
  undecodable_event = 3,           // a stored event's payload does not decode for this decider
  timeout = 4,
  stopped = 5,
  busy = 6,  // too many commands wait on this stream (or from this caller on it); retry in a moment
};

const std::error_category& engine_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), engine_category()};
}

}  // namespace thidua::engine

template <>
struct std::is_error_code_enum<thidua::engine::errc> : std::true_type {};
