#pragma once
// The previous year's handover's part in opening a cycle. The handover lives in the previous year's stream,
// which this year's cannot see, so the application asks this (with the registry's part) before the cycle
// decides.

#include <optional>

#include "domain/cycle_state.h"
#include "domain/proto/cycle.pb.h"
#include "domain/registry_decider.h"
#include "domain/rejection.h"

namespace thidua::domain {

// Opening year Y of a cluster whose cycle of Y-1 handed the chair over (and was not voided): refused
// (HANDOVER_CONTRADICTED) when the opening contradicts that handover — another chair, another vice chair than
// the one it named, or other members than Y-1's (a member of Y-1 counts as the unit that continues it in the
// registry) — unless the opening carries void_previous_handover_reason, which records the void with it (a
// re-formed cluster). A reason with no handover to void is refused (NO_HANDOVER). nullopt when the command
// passes, is not an opening, or is one the cycle refuses anyway (see registry_refusal).
std::optional<rejection> handover_refusal(const cycle_state& previous_year, const registry_state& registry,
                                          const pb::Command& c, const pb::Actor& a);

}  // namespace thidua::domain
