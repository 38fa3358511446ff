#include "api/app/opening_gate.h"

#include "domain/handover_checks.h"
#include "domain/opening_scope.h"

namespace thidua::api {

std::optional<error> opening_gate(engine::command_pipeline<domain::registry_decider>& registry,
                                  engine::command_pipeline<domain::cycle_decider>& cycles,
                                  const domain::pb::Command& c, const domain::pb::Actor& a) {
  if (!domain::asks_other_streams(c, a)) return std::nullopt;  // nothing to read for the cycle's own refusals
  domain::pb::Command previous = c;
  previous.mutable_cycle()->set_year(c.cycle().year() - 1);
  const std::string number = domain::normalize_cluster_number(c.cycle().number());
  auto last_year = cycles.read(domain::cycle_decider::stream_of(previous),
                               [&](const auto& entry) { return entry.state.cycle(number); });
  if (!last_year) return std::move(last_year).error();
  const domain::cycle_state& previous_cycle = last_year.value();
  auto refusal = registry.read("registry", [&](const auto& entry) -> std::optional<domain::rejection> {
    if (auto r = domain::registry_refusal(entry.state, c, a)) return r;
    return domain::handover_refusal(previous_cycle, entry.state, c, a);
  });
  if (!refusal) return std::move(refusal).error();
  if (refusal.value()) return engine::rejection_error(*refusal.value());
  return std::nullopt;
}

}  // namespace thidua::api
