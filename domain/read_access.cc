#include "domain/read_access.h"

#include <algorithm>

#include "domain/notices.h"

namespace thidua::domain {

bool may_read(const reader& r, std::string_view stream, const std::vector<std::string>& members) {
  if (is_registry_stream(stream)) return r.role != pb::ROLE_UNSPECIFIED;
  // An inbox's read marks: its own people's business (who read what, when).
  if (const auto inbox = inbox_of_stream(stream); !inbox.empty()) {
    if (r.role == pb::ORGANIZER_OFFICE)
      return !r.organizer_id.empty() && inbox == office_inbox(r.organizer_id);
    return r.role != pb::OBSERVER && r.role != pb::ROLE_UNSPECIFIED && !r.unit_id.empty() &&
           inbox == r.unit_id;
  }
  const std::string organizer = organizer_of_cycle_stream(stream);
  if (organizer.empty()) return false;
  switch (r.role) {
    case pb::ORGANIZER_OFFICE:
      return !r.organizer_id.empty() && r.organizer_id == organizer;
    case pb::CHAIR:
    case pb::VICE_CHAIR:
    case pb::MEMBER:
      return !r.unit_id.empty() && std::find(members.begin(), members.end(), r.unit_id) != members.end();
    case pb::OBSERVER:
      return std::any_of(r.stream_prefixes.begin(), r.stream_prefixes.end(),
                         [&](const std::string& p) { return !p.empty() && stream.starts_with(p); });
    default:
      return false;
  }
}

}  // namespace thidua::domain
