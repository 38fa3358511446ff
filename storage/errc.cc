#include "storage/errc.h"

#include <array>
#include <cstddef>

#include "storage/error_category.h"

namespace thidua::storage {
namespace {

// Indexed by value: one message per errc, in the enum's order.
constexpr std::array<const char*, 19> messages{
    "ok",                                                                       // ok
    "stream is not at the expected version",                                    // wrong_expected_version
    "invalid stream id",                                                        // invalid_stream_id
    "invalid command id",                                                       // invalid_command_id
    "invalid event type",                                                       // invalid_event_type
    "too many events in one append",                                            // too_many_events
    "event too large",                                                          // event_too_large
    "an append needs at least one event",                                       // empty_append
    "the log refuses writes after a failed write or sync; restart the server",  // log_poisoned
    "I/O error",                                                                // io_error
    "corruption",                                                               // corruption
    "not found",                                                                // not_found
    "shutting down",                                                            // shutting_down
    "invalid argument",                                                         // invalid_argument
    "the hash chain is broken",                                                 // tampered
    "the command id was already used for a different command",                  // command_id_reused
    "an earlier append this one depends on was not written",                    // chain_broken
    "the log was opened read-only",                                             // read_only
    "another process has the log open for writing",                             // locked
};

}  // namespace

const std::error_category& storage_category() noexcept {
  return errc_category_instance<errc::locked>("thidua.storage", messages);
}

}  // namespace thidua::storage
