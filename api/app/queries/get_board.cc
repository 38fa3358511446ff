#include "api/app/queries/as_of.h"
#include "api/app/queries/cycle_lists.h"
#include "api/app/queries/query_context.h"
#include "api/app/vietnam_time.h"
#include "domain/deadlines.h"
#include "domain/views.h"

namespace thidua::api {
namespace {

pb::StepDeadline step_of(const domain::step_deadline& d, const std::string& today) {
  pb::StepDeadline s;
  s.set_step(d.step);
  s.set_step_vi(d.step_vi);
  s.set_date(d.date);
  s.set_days_left(domain::days_between(today, d.date));
  s.set_overdue(!d.done && d.date < today);
  return s;
}

}  // namespace

result<pb::QueryResult> get_board(const query_context& c, const pb::GetBoard& q, pb::QueryResult out) {
  auto filter = checked_cycle_filter("get_board", q.organizer_id(), q.series(), q.year(), q.number());
  if (!filter) return filter.error();
  auto as_of = resolve_as_of(c, q.as_of(), "get_board.as_of");
  if (!as_of) return as_of.error();
  auto cycles = readable_cycles(c, filter.value(), as_of.value(), out);
  if (!cycles) return cycles.error();
  // Deadlines count from the as-of day, or today.
  const std::string today = as_of.value().now ? vietnam_date(c.now_ms) : as_of.value().day;
  unit_names names(c, today);
  for (const auto& cycle : cycles.value()) {
    auto& row = *out.add_board();
    *row.mutable_key() = cycle.key();
    row.set_cluster_name(cycle.cluster_name());
    row.set_stage(cycle.stage());
    row.set_chair_unit_id(cycle.chair_unit_id());
    row.set_vice_chair_unit_id(cycle.vice_chair_unit_id());
    for (auto [id, name] : {std::pair{&cycle.chair_unit_id(), row.mutable_chair_name()},
                            std::pair{&cycle.vice_chair_unit_id(), row.mutable_vice_chair_name()}}) {
      auto n = names.of(*id);
      if (!n) return n.error();
      *name = std::move(n).value();
    }
    row.set_signatures(static_cast<std::uint32_t>(cycle.signed_unit_ids_size()));
    row.set_members(static_cast<std::uint32_t>(cycle.member_unit_ids_size()));
    for (const auto& d : domain::deadlines_of(cycle)) {
      if (d.done) continue;
      if (!row.has_next_deadline()) *row.mutable_next_deadline() = step_of(d, today);
      if (d.date < today) *row.add_overdue() = step_of(d, today);
    }
    row.set_last_activity_ms(cycle.updated_at_ms());
    row.set_last_activity(vietnam_time(cycle.updated_at_ms()));
    row.set_last_position(cycle.last_position());
  }
  return out;
}

}  // namespace thidua::api
