#include "api/app/queries/cycle_lists.h"

#include <utility>

#include "api/app/catalog_projection.h"
#include "domain/cycle_decider.h"
#include "domain/views.h"

namespace thidua::api {

result<cycle_filter> checked_cycle_filter(const std::string& query, const std::string& organizer_id,
                                          const std::string& series, std::uint32_t year,
                                          const std::string& number) {
  if (!optional_entity_id_ok(organizer_id))
    return invalid(query + ".organizer_id", "not a valid organizer id", "Mã đơn vị tổ chức không hợp lệ");
  if (!optional_entity_id_ok(series))
    return invalid(query + ".series", "not a valid series", "Mã khối thi đua không hợp lệ");
  cycle_filter f{organizer_id, series, year, {}};
  if (!number.empty()) {
    f.number = domain::normalize_cluster_number(number);
    if (f.number.empty())
      return invalid(query + ".number", "a cluster number is a number or a Roman numeral (\"II\", \"2\")",
                     "Số cụm phải là số hoặc số La Mã (\"II\", \"2\")");
  }
  return f;
}

result<std::vector<domain::pb::CycleView>> readable_cycles(const query_context& c, const cycle_filter& f,
                                                           const as_of_point& as_of, pb::QueryResult& out) {
  std::string prefix(domain::cycle_view_prefix);
  if (!f.organizer_id.empty()) {
    prefix += f.organizer_id + "/";
    if (!f.series.empty()) prefix += f.series + "/";
  }
  std::vector<std::pair<std::string, domain::pb::CycleView>> now;
  auto scanned = c.log.projection_scan(c.catalog, prefix, [&](std::string_view key, std::string_view v) {
    domain::pb::CycleView cycle;
    if (!cycle.ParseFromArray(v.data(), static_cast<int>(v.size()))) return true;
    if (!f.series.empty() && cycle.key().series() != f.series) return true;
    if (f.year != 0 && cycle.key().year() != f.year) return true;
    if (!f.number.empty() && cycle.key().number() != f.number) return true;
    if (c.readable(cycle)) now.emplace_back(key, std::move(cycle));
    return true;
  });
  if (!scanned) return unreadable_log(scanned.error());
  std::vector<domain::pb::CycleView> cycles;
  if (as_of.now) {
    for (auto& entry : now) cycles.push_back(std::move(entry.second));
    return cycles;
  }
  out.set_as_of_position(as_of.position);
  std::uint64_t folded = out.folded_events();
  for (auto& [key, cycle] : now) {
    auto then = cycle_as_of(c, cycle, key, as_of.position, folded);
    if (!then) return then.error();
    if (then.value()) cycles.push_back(std::move(*then.value()));
  }
  out.set_folded_events(folded);
  return cycles;
}

result<std::string> unit_names::of(const std::string& unit) {
  if (unit.empty()) return std::string();
  if (auto it = names_.find(unit); it != names_.end()) return it->second;
  auto got = c_.log.projection_get(c_.catalog, domain::unit_view_key(unit));
  if (!got) return unreadable_log(got.error());
  domain::pb::UnitView v;
  std::string name;
  if (got.value() && v.ParseFromString(*got.value())) {
    const domain::pb::UnitName* best = nullptr;
    for (const auto& n : v.names())
      if (n.effective_date() <= day_ && (!best || n.effective_date() >= best->effective_date())) best = &n;
    name = best ? best->name() : v.name();
  }
  return names_[unit] = name;
}

}  // namespace thidua::api
