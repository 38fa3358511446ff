#pragma once
// What a Subscribe asks for, checked and turned into the hub's filter (engine/subscription_hub.h): the stream
// prefix and event types the hub matches itself, and a per-event check of the cluster, the unit and what the
// token may read, which reads the one note the hub makes per event (cycle_note_of) instead of working it out
// per subscriber.

#include <cstdint>

#include "api/app/membership_index.h"
#include "api/app/proto/queries.pb.h"
#include "domain/read_access.h"
#include "engine/subscription_hub.h"

namespace thidua::api {

// The note of an event: for a cycle's event its cluster and the cluster's members; empty for other streams.
engine::event_note cycle_note_of(const membership_index& members, const storage::stored_event& e);

// The filter of `s` for `reader`, or INVALID_FIELD naming the field; `head`: the log's head now.
result<engine::event_filter> subscription_filter(const domain::reader& reader, const pb::Subscribe& s,
                                                 std::uint64_t head);

}  // namespace thidua::api
