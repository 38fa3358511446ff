#pragma once
// One event of the log as clients see it: its record's facts, the client's own command id, the chain hash and
// the payload decoded by the domain.

#include "api/app/proto/queries.pb.h"
#include "storage/event_log.h"

namespace thidua::api {

pb::EventEnvelope envelope_of(const storage::stored_event& e);

}  // namespace thidua::api
