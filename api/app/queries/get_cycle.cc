#include "api/app/catalog_projection.h"
#include "api/app/queries/as_of.h"
#include "api/app/queries/query_context.h"
#include "domain/cycle_decider.h"
#include "domain/cycle_in_full.h"
#include "domain/ids.h"
#include "domain/views.h"

namespace thidua::api {
namespace {

// The cycle's events up to `up_to`, found through the catalog's index of each cycle's events, folded.
result<domain::pb::CycleInFull> cycle_in_full(const query_context& c, const std::string& key,
                                              std::uint64_t up_to) {
  std::vector<std::uint64_t> positions;
  auto listed = catalog_projection::listed_positions::all_read;
  auto scanned = c.log.projection_scan(
      c.catalog, catalog_projection::events_prefix(key), [&](std::string_view, std::string_view bucket) {
        listed = catalog_projection::read_positions(bucket, up_to, positions);
        return listed == catalog_projection::listed_positions::all_read;
      });
  if (!scanned) return unreadable_log(scanned.error());
  if (listed == catalog_projection::listed_positions::unreadable)
    return unreadable_log(make_error(storage::errc::corruption, "an unreadable event index of " + key));
  domain::cycle_in_full_builder full;
  for (const auto p : positions) {
    auto read = c.record_at(p);
    if (!read) return read.error();
    const auto& r = read.value()->record;
    domain::pb::Event event;
    if (!event.ParseFromString(r.payload()))
      return unreadable_log(
          make_error(storage::errc::corruption, "an undecodable event at " + std::to_string(p)));
    full.add(event, {r.stream_id(), r.position(), r.recorded_at_ms(), r.stream_version()},
             {r.actor().unit_id(), r.actor().person(), r.actor().role()});
  }
  return full.result();
}

}  // namespace

result<pb::QueryResult> get_cycle(const query_context& c, const pb::GetCycle& q, pb::QueryResult out) {
  if (!domain::valid_entity_id(q.organizer_id()))
    return invalid("get_cycle.organizer_id", "an organizer id is required ([A-Za-z0-9_-], at most 40)",
                   "Cần mã đơn vị tổ chức hợp lệ");
  if (!domain::valid_entity_id(q.series()))
    return invalid("get_cycle.series", "a series is required ([A-Za-z0-9_-], at most 40)",
                   "Cần mã khối thi đua hợp lệ");
  if (q.year() < 2000 || q.year() > 2100)
    return invalid("get_cycle.year", "the year must be between 2000 and 2100", "Năm phải từ 2000 đến 2100");
  const std::string number = domain::normalize_cluster_number(q.number());
  if (number.empty())
    return invalid("get_cycle.number", "a cluster number is a number or a Roman numeral (\"II\", \"2\")",
                   "Số cụm phải là số hoặc số La Mã (\"II\", \"2\")");
  auto as_of = resolve_as_of(c, q.as_of(), "get_cycle.as_of");
  if (!as_of) return as_of.error();
  const std::string key = domain::cycle_view_key(q.organizer_id(), q.series(), q.year(), number);
  auto got = c.log.projection_get(c.catalog, key);
  if (!got) return unreadable_log(got.error());
  domain::pb::CycleView cycle;
  if (!got.value() || !cycle.ParseFromString(*got.value()))
    return app_error(errc::not_found, "get_cycle",
                     "no such cycle (yet: pass at_least_position to read your writes)",
                     "Không có chu kỳ thi đua này");
  if (!c.readable(cycle))
    return app_error(errc::forbidden, "get_cycle", "this token may not read this cycle",
                     "Token này không được xem chu kỳ thi đua này");
  if (!as_of.value().now) {
    out.set_as_of_position(as_of.value().position);
    std::uint64_t folded = 0;
    auto then = cycle_as_of(c, cycle, key, as_of.value().position, folded);
    if (!then) return then.error();
    out.set_folded_events(folded);
    if (!then.value()) {
      const auto p = as_of.value().position;
      return app_error(errc::not_found, "get_cycle",
                       p == 0 ? "nothing had been recorded by then"
                              : "the cycle was not opened yet at position " + std::to_string(p),
                       "Tại thời điểm đó chu kỳ thi đua chưa được mở");
    }
    cycle = std::move(*then.value());
  }
  if (q.in_full()) {
    const std::uint64_t up_to = as_of.value().now ? cycle.last_position() : as_of.value().position;
    auto full = cycle_in_full(c, key, up_to);
    if (!full) return full.error();
    *out.mutable_cycle_in_full() = std::move(full).value();
  }
  *out.add_cycles() = std::move(cycle);
  return out;
}

}  // namespace thidua::api
