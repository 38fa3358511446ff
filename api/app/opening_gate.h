#pragma once
// The parts of a cycle's opening that other streams decide: the registry's (domain::registry_refusal) and the
// previous year's handover's (domain::handover_refusal), asked before the cycle decides, since the cycle's
// stream sees neither. Every path that records cycle commands (the command service, the demo loader) goes
// through it.

#include <optional>

#include "domain/cycle_decider.h"
#include "domain/proto/cycle.pb.h"
#include "domain/registry_decider.h"
#include "engine/command_pipeline.h"

namespace thidua::api {

// An error when the registry or the previous year's handover refuses `c` by `a` (errc::rejected, the
// domain's code) or cannot be read; nullopt when the cycle may decide. Reads their current durable states:
// a change of the registry or of the previous year's handover at the same instant is not serialized with the
// opening (the registry only grows; voiding a handover is the organizer's own step).
std::optional<error> opening_gate(engine::command_pipeline<domain::registry_decider>& registry,
                                  engine::command_pipeline<domain::cycle_decider>& cycles,
                                  const domain::pb::Command& c, const domain::pb::Actor& a);

}  // namespace thidua::api
