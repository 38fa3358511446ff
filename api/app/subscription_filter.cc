#include "api/app/subscription_filter.h"

#include <algorithm>

#include "api/app/request_checks.h"
#include "domain/cycle_decider.h"
#include "domain/ids.h"
#include "domain/registry_decider.h"
#include "domain/streams.h"

namespace thidua::api {
namespace {

struct cycle_note {
  std::string cluster;
  membership_index::unit_list units;
};

}  // namespace

engine::event_note cycle_note_of(const membership_index& members, const storage::stored_event& e) {
  const std::string& stream = e.record.stream_id();
  if (domain::kind_of_stream(stream) != domain::stream_kind::cycle) return {};
  cycle_note n{domain::cluster_of_cycle_payload(e.record.payload()), nullptr};
  n.units = members.members(stream, n.cluster);
  return n;
}

result<engine::event_filter> subscription_filter(const domain::reader& reader, const pb::Subscribe& s,
                                                 std::uint64_t head) {
  if (!domain::valid_subscription_id(s.subscription_id()))
    return invalid("subscribe.subscription_id", "a subscription id is required: [A-Za-z0-9._-], at most 64",
                   "Cần mã đăng ký theo dõi: [A-Za-z0-9._-], tối đa 64 ký tự");
  if (!optional_entity_id_ok(s.organizer_id()))
    return invalid("subscribe.organizer_id", "not a valid organizer id", "Mã đơn vị tổ chức không hợp lệ");
  if (!optional_entity_id_ok(s.series()))
    return invalid("subscribe.series", "not a valid series", "Mã khối thi đua không hợp lệ");
  if (s.organizer_id().empty() && (!s.series().empty() || !s.number().empty() || s.year() != 0))
    return invalid("subscribe.organizer_id", "series, number and year narrow an organizer: name it too",
                   "Khối, số cụm và năm đi kèm đơn vị tổ chức: cần nêu cả đơn vị tổ chức");
  if (s.series().empty() && (!s.number().empty() || s.year() != 0))
    return invalid("subscribe.series", "number and year narrow a series: name it too",
                   "Số cụm và năm đi kèm khối thi đua: cần nêu cả khối");
  if (s.year() != 0 && (s.year() < 2000 || s.year() > 2100))
    return invalid("subscribe.year", "the year must be between 2000 and 2100", "Năm phải từ 2000 đến 2100");
  std::string number;
  if (!s.number().empty()) {
    number = domain::normalize_cluster_number(s.number());
    if (number.empty())
      return invalid("subscribe.number", "a cluster number is a number or a Roman numeral (\"II\", \"2\")",
                     "Số cụm phải là số hoặc số La Mã (\"II\", \"2\")");
  }
  if (!optional_entity_id_ok(s.unit_id()))
    return invalid("subscribe.unit_id", "not a valid unit id", "Mã đơn vị không hợp lệ");
  for (const auto& t : s.event_types())
    if (!domain::cycle_decider::known_event_type(t) && !domain::registry_decider::known_event_type(t))
      return invalid("subscribe.event_types", "unknown event type \"" + t + "\" (docs/events.md)",
                     "Loại sự kiện không tồn tại: \"" + t + "\"");
  if (s.from_position() > head + 1)
    return invalid("subscribe.from_position",
                   "beyond the head of the log (" + std::to_string(head) + "); 0 subscribes from now",
                   "Vượt quá vị trí cuối của sổ sự kiện; 0 để theo dõi từ bây giờ");

  engine::event_filter filter;
  if (!s.organizer_id().empty()) {
    std::string prefix = "cycles/" + s.organizer_id() + "/";
    if (!s.series().empty()) {
      prefix += s.series() + "/";
      if (s.year() != 0) prefix += std::to_string(s.year());
    }
    filter.stream_prefixes.push_back(std::move(prefix));
  }
  filter.event_types.assign(s.event_types().begin(), s.event_types().end());
  filter.allow = [reader, number, unit = s.unit_id()](const storage::stored_event& e,
                                                      const engine::event_note& note) {
    const std::string& stream = e.record.stream_id();
    const auto* cycle = std::any_cast<cycle_note>(&note);
    if (!cycle) return number.empty() && unit.empty() && domain::may_read(reader, stream, {});
    if (!number.empty() && cycle->cluster != number) return false;
    const auto& units = *cycle->units;
    if (!unit.empty() && std::find(units.begin(), units.end(), unit) == units.end()) return false;
    return domain::may_read(reader, stream, units);
  };
  return filter;
}

}  // namespace thidua::api
