#include "api/app/cycle_gate.h"

#include "domain/handover_checks.h"
#include "domain/opening_scope.h"

namespace thidua::api {

std::optional<error> opening_gate(engine::command_pipeline<domain::registry_decider>& registry,
                                  engine::command_pipeline<domain::cycle_decider>& cycles,
                                  const domain::pb::Command& c, const domain::pb::Actor& a) {
  if (!domain::asks_other_streams(c, a)) return std::nullopt;  // nothing to read for the cycle's own refusals
  // The previous year's handover concerns an opening only; a change of membership asks the registry alone.
  std::optional<domain::cycle_state> previous_cycle;
  if (c.has_open()) {
    domain::pb::Command previous = c;
    previous.mutable_cycle()->set_year(c.cycle().year() - 1);
    const std::string number = domain::normalize_cluster_number(c.cycle().number());
    auto last_year = cycles.read(domain::cycle_decider::stream_of(previous),
                                 [&](const auto& entry) { return entry.state.cycle(number); });
    if (!last_year) return std::move(last_year).error();
    previous_cycle = std::move(last_year).value();
  }
  auto refusal = registry.read("registry", [&](const auto& entry) -> std::optional<domain::rejection> {
    if (auto r = domain::registry_refusal(entry.state, c, a)) return r;
    if (!previous_cycle) return std::nullopt;
    return domain::handover_refusal(*previous_cycle, entry.state, c, a);
  });
  if (!refusal) return std::move(refusal).error();
  if (refusal.value()) return engine::rejection_error(*refusal.value());
  return std::nullopt;
}

std::optional<error> locate_correction_target(const storage::event_log& log, domain::pb::Command& c) {
  if (!c.has_correction()) return std::nullopt;
  auto& m = *c.mutable_correction();
  m.clear_target();
  if (m.corrects_position() == 0 || m.corrects_position() > log.head().value) return std::nullopt;
  auto found = log.read_all({m.corrects_position()}, 1);
  if (!found) return std::move(found).error();
  if (found.value().empty()) return std::nullopt;
  const auto& record = found.value().front()->record;
  if (record.position() != m.corrects_position() || record.stream_id() != domain::cycle_decider::stream_of(c))
    return std::nullopt;
  auto event = domain::cycle_decider::decode(record.event_type(), record.payload());
  if (!event) return std::nullopt;
  auto& target = *m.mutable_target();
  target.set_stream_version(record.stream_version());
  target.set_cluster(event->cluster());
  target.set_type(record.event_type());
  target.set_by_organizer_office(domain::recorded_by_organizer_office(*event));
  return std::nullopt;
}

std::optional<error> find_previous_pledge(engine::command_pipeline<domain::registry_decider>& registry,
                                          engine::command_pipeline<domain::cycle_decider>& cycles,
                                          domain::pb::Command& c) {
  if (!c.has_continue_pledge()) return std::nullopt;
  auto& previous = *c.mutable_continue_pledge()->mutable_previous();
  previous.Clear();
  domain::pb::Command from = c;
  from.mutable_cycle()->set_year(c.continue_pledge().from_year());
  const std::string stream = domain::cycle_decider::stream_of(from);
  if (stream == "cycles/invalid" || c.continue_pledge().from_year() + 1 != c.cycle().year())
    return std::nullopt;  // the cycle refuses the year
  const std::string number = domain::normalize_cluster_number(c.cycle().number());
  auto pledged = cycles.read(stream, [&](const auto& entry) { return entry.state.cycle(number); });
  if (!pledged) return std::move(pledged).error();
  const domain::cycle_state& p = pledged.value();
  if (!p.opened || !p.pledge_active) return std::nullopt;
  previous.set_in_force(true);
  previous.set_through_year(p.pledge_through_year);
  const std::string year_start = std::to_string(c.cycle().year()) + "-01-01";
  auto continued = registry.read("registry", [&](const auto& entry) {
    std::vector<std::string> units;
    for (const auto& u : p.signed_units) units.push_back(entry.state.successor(u, year_start));
    return units;
  });
  if (!continued) return std::move(continued).error();
  for (auto& u : continued.value()) previous.add_member_unit_ids(std::move(u));
  return std::nullopt;
}

std::optional<error> admit_cycle_command(const storage::event_log& log,
                                         engine::command_pipeline<domain::registry_decider>& registry,
                                         engine::command_pipeline<domain::cycle_decider>& cycles,
                                         domain::pb::Command& c, const domain::pb::Actor& a) {
  if (auto refused = opening_gate(registry, cycles, c, a)) return refused;
  if (auto failed = find_previous_pledge(registry, cycles, c)) return failed;
  return locate_correction_target(log, c);
}

}  // namespace thidua::api
