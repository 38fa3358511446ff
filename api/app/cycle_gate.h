#pragma once
// What a cycle command needs from outside its stream before the cycle decides it, since the cycle's stream
// holds neither: the registry's say on an opening or a change of membership, the previous year's handover's
// on an opening, the log's place of the event a correction names, the previous year's pledge a cycle
// continues. Every path that records cycle commands (the command service, the demo loader) goes through
// admit_cycle_command.

#include <optional>

#include "domain/cycle_decider.h"
#include "domain/proto/cycle.pb.h"
#include "domain/registry_decider.h"
#include "engine/command_pipeline.h"
#include "storage/event_log.h"

namespace thidua::api {

// An error when the registry (domain::registry_refusal) or the previous year's handover
// (domain::handover_refusal) refuses `c` by `a` (errc::rejected, the domain's code) or cannot be read;
// nullopt when the cycle may decide. Reads their current durable states: a change of the registry or of the
// previous year's handover at the same instant is not serialized with the opening (the registry only grows;
// voiding a handover is the organizer's own step).
std::optional<error> opening_gate(engine::command_pipeline<domain::registry_decider>& registry,
                                  engine::command_pipeline<domain::cycle_decider>& cycles,
                                  const domain::pb::Command& c, const domain::pb::Actor& a);

// For a correction: sets `target` to what the event at `corrects_position` is (its version, cluster, type,
// and whether it is the organizer's record) when it is in the command's series-year stream, else clears it
// (the cycle then refuses EVENT_NOT_IN_CYCLE without telling what is there). Whatever the client put there is
// replaced. Durable events never move, so this needs no serializing with the command.
std::optional<error> locate_correction_target(const storage::event_log& log, domain::pb::Command& c);

// For a continued pledge: sets `previous` to what the from_year cycle of the same cluster holds (its pledge
// in force, the last year it holds for, its signatories as the registry continues them on 1 January of the
// command's year); the cycle decides with it. Whatever the client put there is replaced. A pledge in force
// never changes.
std::optional<error> find_previous_pledge(engine::command_pipeline<domain::registry_decider>& registry,
                                          engine::command_pipeline<domain::cycle_decider>& cycles,
                                          domain::pb::Command& c);

// All of the above.
std::optional<error> admit_cycle_command(const storage::event_log& log,
                                         engine::command_pipeline<domain::registry_decider>& registry,
                                         engine::command_pipeline<domain::cycle_decider>& cycles,
                                         domain::pb::Command& c, const domain::pb::Actor& a);

}  // namespace thidua::api
