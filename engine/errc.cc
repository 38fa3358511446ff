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

}  // namespace

const std::error_category& engine_category() noexcept {
  return errc_category_instance<errc::busy>("thidua.engine", messages);
}

}  // namespace thidua::engine
