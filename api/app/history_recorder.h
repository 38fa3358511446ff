#pragma once
// Records steps of history as the commands that would have recorded them, each by the actor who took it,
// decided by the domain's rules like any command (the registry's and the previous year's say included:
// api/app/cycle_gate.h). For whoever holds the data dir itself — the demo data, `thidua import` — never for
// a network client, whose actor is its token's.

#include <cstdint>
#include <string>
#include <variant>

#include "domain/cycle_decider.h"
#include "domain/registry_decider.h"
#include "engine/command_pipeline.h"
#include "storage/event_log.h"

namespace thidua::api {

using history_command = std::variant<domain::pb::RegistryCommand, domain::pb::Command>;

class history_recorder {
 public:
  explicit history_recorder(storage::event_log& log);

  // Records `command` by `actor` at `now_ms`, once per (scope, command id): a repeat answers `duplicate`.
  // A refusal is errc::rejected with the domain's code (engine::rejection_of).
  result<engine::command_result> record(const std::string& command_id, const domain::pb::Actor& actor,
                                        history_command command, std::int64_t now_ms,
                                        const std::string& scope);

 private:
  storage::event_log& log_;
  engine::command_pipeline<domain::registry_decider> registry_;
  engine::command_pipeline<domain::cycle_decider> cycles_;
};

}  // namespace thidua::api
