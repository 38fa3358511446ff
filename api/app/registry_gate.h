#pragma once
// The registry's part of a cycle command (domain::registry_refusal), asked before the cycle decides: the
// cycle's stream cannot see the registry's. Every path that records cycle commands (the command service, the
// demo loader) goes through it.

#include <optional>

#include "domain/proto/cycle.pb.h"
#include "domain/registry_decider.h"
#include "engine/command_pipeline.h"

namespace thidua::api {

// An error when the registry refuses `c` by `a` (errc::rejected, the domain's code) or cannot be read;
// nullopt when the cycle may decide. Reads the registry's current durable state: an organizer changing the
// registry at the same moment is not serialized with the command (the registry only grows, and a unit that
// ceases mid-year is changed in the cycle).
std::optional<error> registry_gate(engine::command_pipeline<domain::registry_decider>& registry,
                                   const domain::pb::Command& c, const domain::pb::Actor& a);

}  // namespace thidua::api
