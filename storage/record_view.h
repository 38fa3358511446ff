#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace thidua::storage {

namespace pb {
class EventRecord;
}

// An EventRecord decoded in place: every field, with text and bytes as views into the stored value (valid
// only as long as that value is). Replays that look at each record once use this instead of a protobuf
// message, which would copy every field.
struct record_view {
  std::string_view bytes;  // the whole encoded record the views point into (empty from view_of)
  std::uint64_t position = 0;
  std::string_view stream_id;
  std::uint64_t stream_version = 0;
  std::string_view event_type;
  std::int64_t recorded_at_ms = 0;
  std::string_view actor_unit_id;
  std::string_view actor_person;
  std::string_view actor_role;
  std::string_view command_id;
  std::string_view correlation_id;
  std::string_view causation_id;
  std::string_view payload;
  std::string_view prev_hash;
  std::string_view command_digest;
};

// Decodes the protobuf wire format of an EventRecord (storage/proto/log.proto); nullopt when it is malformed.
// Unknown fields are skipped, as protobuf would.
std::optional<record_view> decode_record(std::string_view bytes);

// The same views into a decoded record's fields (valid as long as the record is).
record_view view_of(const pb::EventRecord& record);

// `v` pointing into `copy`, a copy of v.bytes (for a record kept past its scan).
record_view moved_into(const record_view& v, const char* copy);

}  // namespace thidua::storage
