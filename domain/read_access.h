#pragma once
// Who may read what (roles.md): the organizer's office reads every cycle it organizes, a unit the cycles of
// the clusters it is a member of, an observer the streams its grant names. The registry of units and clusters
// is a directory every reader may see. An inbox's stream (its read marks) its own people read. Other streams
// the domain does not know (the API's token stream) nobody reads.

#include <string>
#include <string_view>
#include <vector>

#include "domain/proto/cycle.pb.h"
#include "domain/streams.h"

namespace thidua::domain {

struct reader {
  pb::Role role = pb::ROLE_UNSPECIFIED;
  std::string unit_id;
  std::string organizer_id;                  // for ORGANIZER_OFFICE
  std::vector<std::string> stream_prefixes;  // for OBSERVER
};

// Whether `r` may read an event of `stream`; for a cycle stream, `members` are the units of the event's
// cluster in that year (empty when the cluster is unknown).
bool may_read(const reader& r, std::string_view stream, const std::vector<std::string>& members);

}  // namespace thidua::domain
