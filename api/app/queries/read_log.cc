#include "api/app/envelope.h"
#include "api/app/queries/query_context.h"

namespace thidua::api {

result<pb::QueryResult> read_log(const query_context& c, const pb::ReadLog& q, pb::QueryResult out) {
  const std::uint32_t limit = c.page(q.limit());
  const std::uint64_t head = c.log.head().value;
  std::uint64_t from = q.from_position();
  if (q.backward() && (from == 0 || from > head)) from = head;
  if (!q.backward()) from = std::max<std::uint64_t>(from, 1);
  if (from == 0) return out;  // an empty log, read backward
  auto events = c.log.read_all({from}, limit,
                               q.backward() ? storage::direction::backward : storage::direction::forward);
  if (!events) return unreadable_log(events.error());
  for (const auto& e : events.value())
    if (c.readable(e->record)) *out.add_events() = envelope_of(*e);
  if (events.value().size() == limit) {
    const std::uint64_t last = events.value().back()->pos().value;
    out.set_next_position(q.backward() ? (last > 1 ? last - 1 : 0) : last + 1);
  }
  return out;
}

}  // namespace thidua::api
