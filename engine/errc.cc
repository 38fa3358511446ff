#include "engine/errc.h"

#include <array>
#include <cstddef>

#include "storage/error_category.h"

namespace thidua::engine {
namespace {

// Indexed by value: one message per errc, in the enum's order.
constexpr std::array<const char*, 7> messages{
    "ok",                                                        // ok
    "the command was refused",                                   // rejected
    "the stream changed concurrently too often; retry",          // conflict_retries_exhausted
    "a stored event does not decode",                            // undecodable_event
    "timed out",                                                 // timeout
    "stopped",                                                   // stopped
    "too many commands wait on this stream; retry in a moment",  // busy
};
static_assert(messages.size() == static_cast<std::size_t>(errc::busy) + 1, "a message for every errc");

}  // namespace

const std::error_category& engine_category() noexcept {
  static const errc_category instance{"thidua.engine", messages};
  return instance;
}

}  // namespace thidua::engine
