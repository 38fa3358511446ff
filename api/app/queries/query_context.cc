#include "api/app/queries/query_context.h"

#include <algorithm>

#include "api/app/catalog_projection.h"
#include "api/app/membership_index.h"
#include "domain/streams.h"

namespace thidua::api {

bool query_context::readable(const storage::pb::EventRecord& rec) const {
  const std::string& stream = rec.stream_id();
  if (domain::kind_of_stream(stream) != domain::stream_kind::cycle)
    return domain::may_read(reader, stream, {});
  return domain::may_read(reader, stream,
                          *members.members(stream, domain::cluster_of_cycle_payload(rec.payload())));
}

bool query_context::readable(const domain::pb::CycleView& cycle) const {
  // The index knows every batch before the read models apply it; the view's own members cover the rest.
  std::vector<std::string> units = *members.members(cycle.stream_id(), cycle.key().number());
  units.insert(units.end(), cycle.member_unit_ids().begin(), cycle.member_unit_ids().end());
  return domain::may_read(reader, cycle.stream_id(), units);
}

result<void> query_context::scan_views(std::string_view prefix,
                                       const std::function<void(std::string_view)>& each) const {
  auto r = log.projection_scan(catalog, prefix, [&](std::string_view, std::string_view value) {
    each(value);
    return true;
  });
  if (!r) return unreadable_log(r.error());
  return success();
}

std::uint32_t query_context::page(std::uint32_t asked) const {
  return asked == 0 ? max_events : std::min(asked, max_events);
}

result<storage::event_ptr> query_context::record_at(std::uint64_t p) const {
  auto read = log.read_all({p}, 1);
  if (!read) return unreadable_log(read.error());
  if (read.value().empty() || read.value()[0]->pos().value != p)
    return unreadable_log(make_error(storage::errc::corruption, "record " + std::to_string(p) + " missing"));
  return read.value()[0];
}

error unreadable_log(const error& e) {
  return app_error(errc::internal, "", "the server could not read its log: " + e.message,
                   "Máy chủ không đọc được sổ sự kiện");
}

}  // namespace thidua::api
