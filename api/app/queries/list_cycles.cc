#include "api/app/queries/as_of.h"
#include "api/app/queries/cycle_lists.h"
#include "api/app/queries/query_context.h"

namespace thidua::api {

result<pb::QueryResult> list_cycles(const query_context& c, const pb::ListCycles& q, pb::QueryResult out) {
  auto filter = checked_cycle_filter("list_cycles", q.organizer_id(), q.series(), q.year(), q.number());
  if (!filter) return filter.error();
  auto as_of = resolve_as_of(c, q.as_of(), "list_cycles.as_of");
  if (!as_of) return as_of.error();
  auto cycles = readable_cycles(c, filter.value(), as_of.value(), out);
  if (!cycles) return cycles.error();
  for (auto& cycle : cycles.value()) *out.add_cycles() = std::move(cycle);
  return out;
}

}  // namespace thidua::api
