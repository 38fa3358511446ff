#pragma once
// Private to storage/: the limits on what may be written (docs/storage.md, "Limits").

#include <optional>
#include <string_view>

#include "storage/event_log.h"

namespace thidua::storage {

// Stream ids: 1..max_id_bytes of [A-Za-z0-9._:/-].
std::optional<error> check_stream_id(std::string_view id, const log_options& o);
// Command, correlation and causation ids: printable ASCII without space, 1..max_command_id_bytes (command
// ids) or max_id_bytes (the others) (0 allowed if
// optional).
std::optional<error> check_id(std::string_view id, std::string_view field, bool required,
                              const log_options& o);
std::optional<error> check_append(const append_request& r, const log_options& o);
// Projection names: 1..64 of [a-z0-9_.-].
std::optional<error> check_projection_name(std::string_view name);

}  // namespace thidua::storage
