#include "api/app/queries/query_context.h"
#include "domain/views.h"

namespace thidua::api {

result<pb::QueryResult> list_units(const query_context& c, const pb::ListUnits&, pb::QueryResult out) {
  auto scanned = c.scan_views(domain::unit_view_prefix, [&](std::string_view v) {
    domain::pb::UnitView u;
    if (u.ParseFromArray(v.data(), static_cast<int>(v.size()))) *out.add_units() = std::move(u);
  });
  if (!scanned) return scanned.error();
  return out;
}

}  // namespace thidua::api
