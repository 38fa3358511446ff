#include <algorithm>
#include <map>
#include <set>

#include "api/app/queries/as_of.h"
#include "api/app/queries/cycle_lists.h"
#include "api/app/queries/query_context.h"
#include "domain/ids.h"
#include "domain/views.h"

namespace thidua::api {

result<pb::QueryResult> get_unit_record(const query_context& c, const pb::GetUnitRecord& q,
                                        pb::QueryResult out) {
  if (!domain::valid_entity_id(q.unit_id()))
    return invalid("get_unit_record.unit_id", "a unit id is required ([A-Za-z0-9_-], at most 40)",
                   "Cần mã đơn vị hợp lệ");
  auto as_of = resolve_as_of(c, q.as_of(), "get_unit_record.as_of");
  if (!as_of) return as_of.error();
  // The unit and every unit merged into it, however many merges back (from the registry's views).
  std::map<std::string, domain::pb::UnitView> units;
  auto scanned = c.scan_views(domain::unit_view_prefix, [&](std::string_view v) {
    domain::pb::UnitView u;
    if (u.ParseFromArray(v.data(), static_cast<int>(v.size()))) units.emplace(u.unit_id(), std::move(u));
  });
  if (!scanned) return scanned.error();
  auto self = units.find(q.unit_id());
  if (self == units.end())
    return app_error(errc::not_found, "get_unit_record.unit_id", "no such unit in the registry",
                     "Không có đơn vị này trong danh mục");
  auto& record = *out.mutable_unit_record();
  *record.mutable_unit() = self->second;
  std::set<std::string> lineage{q.unit_id()};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [id, u] : units)
      if (!lineage.count(id) && lineage.count(u.merged_into())) {
        lineage.insert(id);
        *record.add_predecessors() = u;
        grew = true;
      }
  }
  // Names by the day they are asked for (a cycle's year end, or the as-of day): each unit read once a day.
  std::map<std::string, unit_names> names_on;
  auto cycles = readable_cycles(c, {}, as_of.value(), out);
  if (!cycles) return cycles.error();
  for (const auto& cycle : cycles.value()) {
    for (const auto& member : cycle.member_unit_ids()) {
      if (!lineage.count(member)) continue;
      auto& y = *record.add_years();
      *y.mutable_key() = cycle.key();
      y.set_cluster_name(cycle.cluster_name());
      y.set_unit_id(member);
      // Its name then: at the end of the cycle's year, or on the as-of day if that came first.
      std::string day = std::to_string(cycle.key().year()) + "-12-31";
      if (!as_of.value().now) day = std::min(day, as_of.value().day);
      auto name = names_on.try_emplace(day, c, day).first->second.of(member);
      if (!name) return name.error();
      y.set_unit_name(std::move(name).value());
      y.set_role(member == cycle.chair_unit_id()        ? domain::pb::CHAIR
                 : member == cycle.vice_chair_unit_id() ? domain::pb::VICE_CHAIR
                                                        : domain::pb::MEMBER);
      y.set_stage(cycle.stage());
      const auto& signed_units = cycle.signed_unit_ids();
      y.set_pledge_signed(std::find(signed_units.begin(), signed_units.end(), member) != signed_units.end());
      for (const auto& p : cycle.self_assessed())
        if (p.unit_id() == member) y.set_self_assessed_points(p.points());
      for (const auto& p : cycle.verified())
        if (p.unit_id() == member) y.set_verified_points(p.points());
      for (const auto& r : cycle.ranking())
        if (r.unit_id() == member) y.set_rank(r.rank());
      for (const auto& a : cycle.nominated())
        if (a.unit_id() == member) y.set_nominated(a.award());
      for (const auto& a : cycle.adopted())
        if (a.unit_id() == member) y.set_adopted(a.award());
      for (const auto& d : cycle.decisions())
        if (d.unit_id() == member) y.set_decision(d.granted() ? "GRANTED" : "REFUSED");
      const auto& revoked = cycle.revoked_unit_ids();
      y.set_revoked(std::find(revoked.begin(), revoked.end(), member) != revoked.end());
    }
  }
  std::stable_sort(
      record.mutable_years()->begin(), record.mutable_years()->end(),
      [](const pb::UnitYear& a, const pb::UnitYear& b) { return a.key().year() < b.key().year(); });
  return out;
}

}  // namespace thidua::api
