#pragma once
// Private to api/: reading a client frame, text or binary, with errors that name the offending field.

#include <optional>
#include <string>
#include <string_view>

#include "api/wire/proto/wire.pb.h"

namespace thidua::api {

struct frame_error {
  std::string field;   // e.g. "list_cycles.organiser_id" (queries without their "query." prefix), or "frame"
  std::string detail;  // e.g. "unknown field"
};

// Parses a text frame by the protobuf JSON mapping, more strictly than protobuf alone: a boolean must be the
// literal true or false, never a string such as "yes".
std::optional<frame_error> parse_json_frame(std::string_view text, pb::ClientFrame& out);

// The request_id of a frame that could not be read as a whole (malformed, or refused before reading), so its
// reply can still say which request it answers; "" when it has none that can be found.
std::string peek_request_id(std::string_view data, bool text);

}  // namespace thidua::api
