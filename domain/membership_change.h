#pragma once
// A member that ceases during the year (merged into a successor, or dissolved): what its successor takes over
// in the cycle, and the cycle after it. The rules that refuse a change are the cycle's (cycle_decide.cc) and
// the registry's (registry_refusal).

#include <string>
#include <vector>

#include "domain/cycle_state.h"
#include "domain/proto/cycle.pb.h"

namespace thidua::domain {

// The event that records `m` on `s` (already checked): what the successor inherits, named.
pb::MembershipChanged membership_changed(const cycle_state& s, const pb::ChangeMembership& m);

// `s` after the change: a successor new to the cluster takes the unit's place and every record of it; one
// that sat in it already keeps its own and takes the roles and an award form it lacks; without a successor
// the unit leaves. Either way the unit becomes a former member (it keeps reading the cycle).
void apply_membership_change(cycle_state& s, const pb::MembershipChanged& e);

}  // namespace thidua::domain
