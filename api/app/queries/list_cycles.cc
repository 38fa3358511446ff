#include "api/app/queries/query_context.h"
#include "domain/cycle_decider.h"
#include "domain/views.h"

namespace thidua::api {

result<pb::QueryResult> list_cycles(const query_context& c, const pb::ListCycles& q, pb::QueryResult out) {
  if (!optional_entity_id_ok(q.organizer_id()))
    return invalid("list_cycles.organizer_id", "not a valid organizer id", "Mã đơn vị tổ chức không hợp lệ");
  if (!optional_entity_id_ok(q.series()))
    return invalid("list_cycles.series", "not a valid series", "Mã khối thi đua không hợp lệ");
  std::string number;
  if (!q.number().empty()) {
    number = domain::normalize_cluster_number(q.number());
    if (number.empty())
      return invalid("list_cycles.number", "a cluster number is a number or a Roman numeral (\"II\", \"2\")",
                     "Số cụm phải là số hoặc số La Mã (\"II\", \"2\")");
  }
  std::string prefix(domain::cycle_view_prefix);
  if (!q.organizer_id().empty()) {
    prefix += q.organizer_id() + "/";
    if (!q.series().empty()) prefix += q.series() + "/";
  }
  auto scanned = c.scan_views(prefix, [&](std::string_view v) {
    domain::pb::CycleView cycle;
    if (!cycle.ParseFromArray(v.data(), static_cast<int>(v.size()))) return;
    if (!q.series().empty() && cycle.key().series() != q.series()) return;
    if (q.year() != 0 && cycle.key().year() != q.year()) return;
    if (!number.empty() && cycle.key().number() != number) return;
    if (c.readable(cycle)) *out.add_cycles() = std::move(cycle);
  });
  if (!scanned) return scanned.error();
  return out;
}

}  // namespace thidua::api
