#pragma once
// The bytes of an EventRecord, written by hand in protobuf's wire format
// (docs/storage.md). The appender's thread writes the fields it knows (the body); the log thread prepends the
// three only it knows. Same bytes as protobuf's own serializer gives (tests/storage/record_body_test.cc),
// without building a message and copying every field into it first.

#include "storage/rocksdb/private.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/event_log.h"

namespace thidua::storage::codec {

// Fields 2, 4–10 and, for the append's first event, 12 of the EventRecord of `event` in `r`.
std::string encode_body(const append_request& r, const proposed_event& event, bool first_of_append);

// Fields 1 (position), 3 (stream_version) and 11 (prev_hash) into `out`, which has room for 64 bytes; returns
// how many were written.
std::size_t encode_tail_fields(char* out, std::uint64_t position, std::uint64_t version, const hash256& prev);

// An AppendOutcome (what `commands` keeps per command id) into `out`, replacing its contents.
void encode_outcome(std::string& out, std::string_view stream_id, std::uint64_t first, std::uint64_t last,
                    std::uint64_t version, std::int64_t recorded_at_ms, std::string_view command_digest);

// What a stored AppendOutcome says, as a repeat of its command id is answered (duplicate = true).
append_result repeated_result(const pb::AppendOutcome& o);

}  // namespace thidua::storage::codec
