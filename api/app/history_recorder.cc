#include "api/app/history_recorder.h"

#include "api/app/cycle_gate.h"

namespace thidua::api {

history_recorder::history_recorder(storage::event_log& log) : log_(log), registry_(log), cycles_(log) {}

result<engine::command_result> history_recorder::record(const std::string& command_id,
                                                        const domain::pb::Actor& actor,
                                                        history_command command, std::int64_t now_ms,
                                                        const std::string& scope) {
  if (auto* c = std::get_if<domain::pb::RegistryCommand>(&command))
    return registry_.execute({command_id, actor, std::move(*c), now_ms, std::nullopt, {}, {}, scope});
  auto& c = std::get<domain::pb::Command>(command);
  if (auto refused = admit_cycle_command(log_, registry_, cycles_, c, actor)) return std::move(*refused);
  return cycles_.execute({command_id, actor, std::move(c), now_ms, std::nullopt, {}, {}, scope});
}

}  // namespace thidua::api
