#include "api/app/registry_gate.h"

namespace thidua::api {

std::optional<error> registry_gate(engine::command_pipeline<domain::registry_decider>& registry,
                                   const domain::pb::Command& c, const domain::pb::Actor& a) {
  if (!c.has_open()) return std::nullopt;  // the only cycle command the registry has a part in today
  auto refusal = registry.read(
      "registry", [&](const auto& entry) { return domain::registry_refusal(entry.state, c, a); });
  if (!refusal) return std::move(refusal).error();
  if (refusal.value()) return engine::rejection_error(*refusal.value());
  return std::nullopt;
}

}  // namespace thidua::api
