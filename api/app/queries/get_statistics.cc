#include <map>

#include "api/app/queries/as_of.h"
#include "api/app/queries/cycle_lists.h"
#include "api/app/queries/query_context.h"
#include "api/app/vietnam_time.h"
#include "domain/deadlines.h"

namespace thidua::api {
namespace {

void add_counts(const std::map<std::string, std::uint32_t>& counts,
                google::protobuf::RepeatedPtrField<pb::Count>* out) {
  for (const auto& [name, n] : counts) {
    auto* c = out->Add();
    c->set_name(name);
    c->set_count(n);
  }
}

}  // namespace

result<pb::QueryResult> get_statistics(const query_context& c, const pb::GetStatistics& q,
                                       pb::QueryResult out) {
  auto filter = checked_cycle_filter("get_statistics", q.organizer_id(), "", q.year(), "");
  if (!filter) return filter.error();
  auto as_of = resolve_as_of(c, q.as_of(), "get_statistics.as_of");
  if (!as_of) return as_of.error();
  auto cycles = readable_cycles(c, filter.value(), as_of.value(), out);
  if (!cycles) return cycles.error();
  const std::string today = as_of.value().now ? vietnam_date(c.now_ms) : as_of.value().day;
  std::map<std::string, std::uint32_t> stages, nominated, granted, overdue;
  auto& s = *out.mutable_statistics();
  for (const auto& cycle : cycles.value()) {
    s.set_cycles(s.cycles() + 1);
    ++stages[domain::pb::Stage_Name(cycle.stage())];
    for (const auto& a : cycle.adopted()) ++nominated[domain::pb::Award_Name(a.award())];
    std::map<std::string, domain::pb::Award> award_of;
    for (const auto& a : cycle.adopted()) award_of[a.unit_id()] = a.award();
    for (const auto& d : cycle.decisions()) {
      if (d.granted()) {
        ++granted[domain::pb::Award_Name(award_of[d.unit_id()])];
      } else {
        s.set_refused(s.refused() + 1);
      }
    }
    s.set_revoked(s.revoked() + static_cast<std::uint32_t>(cycle.revoked_unit_ids_size()));
    bool late = false;
    for (const auto& d : domain::deadlines_of(cycle))
      if (!d.done && d.date < today) {
        ++overdue[d.step];
        late = true;
      }
    if (late) s.set_cycles_with_overdue_steps(s.cycles_with_overdue_steps() + 1);
  }
  add_counts(stages, s.mutable_by_stage());
  add_counts(nominated, s.mutable_nominated_awards());
  add_counts(granted, s.mutable_granted_awards());
  add_counts(overdue, s.mutable_overdue_steps());
  return out;
}

}  // namespace thidua::api
