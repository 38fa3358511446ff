#pragma once
// Which cycle commands the other streams (the registry, the previous year's handover) are asked about: an
// opening or a change of membership by the organizer office of the key's own organizer, with a well-formed
// key. Every other command is the cycle's alone to refuse, so its sender hears the cycle's reason and learns
// nothing the registry holds.

#include "domain/cycle_decider.h"
#include "domain/proto/cycle.pb.h"

namespace thidua::domain {

inline bool asks_other_streams(const pb::Command& c, const pb::Actor& a) {
  return (c.has_open() || c.has_change_membership()) && a.role() == pb::ORGANIZER_OFFICE &&
         a.organizer_id() == c.cycle().organizer_id() && cycle_decider::stream_of(c) != "cycles/invalid";
}

}  // namespace thidua::domain
