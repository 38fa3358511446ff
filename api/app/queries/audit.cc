#include <algorithm>
#include <optional>
#include <set>

#include "api/app/catalog_projection.h"
#include "api/app/envelope.h"
#include "api/app/queries/query_context.h"
#include "api/app/token_registry.h"
#include "api/app/vietnam_time.h"
#include "domain/cycle_decider.h"
#include "domain/ids.h"
#include "domain/streams.h"

namespace thidua::api {
namespace {

struct audit_filter {
  std::string stream_prefix;  // "cycles/ORG/SERIES/YEAR" or a prefix of it; empty = any stream
  bool exact_stream = false;
  std::string number;  // normalized cluster number
  const pb::AuditQuery* q = nullptr;
  std::set<std::string> types;
  std::int64_t from_ms = INT64_MIN, to_ms = INT64_MAX;  // [from_ms, to_ms)

  bool matches(const storage::pb::EventRecord& r) const {
    if (r.recorded_at_ms() < from_ms || r.recorded_at_ms() >= to_ms) return false;
    if (!q->unit_id().empty() && r.actor().unit_id() != q->unit_id()) return false;
    if (!q->person().empty() && r.actor().person() != q->person()) return false;
    if (!q->role().empty() && r.actor().role() != q->role()) return false;
    if (!types.empty() && !types.count(r.event_type())) return false;
    if (!stream_prefix.empty()) {
      if (exact_stream ? r.stream_id() != stream_prefix : !r.stream_id().starts_with(stream_prefix))
        return false;
    }
    if (!number.empty() && domain::cluster_of_cycle_payload(r.payload()) != number) return false;
    return true;
  }
};

error bad(std::string field, std::string en, std::string vi) {
  return app_error(errc::invalid_field, "audit." + std::move(field), std::move(en), std::move(vi));
}

result<audit_filter> filter_of(const pb::AuditQuery& q) {
  audit_filter f;
  f.q = &q;
  if (!q.organizer_id().empty() && !domain::valid_entity_id(q.organizer_id()))
    return bad("organizer_id", "an organizer id is [A-Za-z0-9_-], at most 40",
               "Mã đơn vị tổ chức không hợp lệ");
  if (!q.series().empty() && !domain::valid_entity_id(q.series()))
    return bad("series", "a series is [A-Za-z0-9_-], at most 40", "Mã khối thi đua không hợp lệ");
  if (q.year() != 0 && (q.year() < 2000 || q.year() > 2100))
    return bad("year", "the year must be between 2000 and 2100", "Năm phải từ 2000 đến 2100");
  if (!q.number().empty()) {
    f.number = domain::normalize_cluster_number(q.number());
    if (f.number.empty())
      return bad("number", "a cluster number is a number or a Roman numeral (\"II\", \"2\")",
                 "Số cụm phải là số hoặc số La Mã (\"II\", \"2\")");
  }
  if ((!q.series().empty() || q.year() != 0 || !q.number().empty()) && q.organizer_id().empty())
    return app_error(errc::missing_field, "audit.organizer_id",
                     "series, year and number narrow an organizer's cycles: name the organizer",
                     "Cần nêu đơn vị tổ chức khi lọc theo khối, năm hoặc cụm");
  if (!q.organizer_id().empty()) {
    f.stream_prefix = "cycles/" + q.organizer_id() + "/";
    if (!q.series().empty()) {
      f.stream_prefix += q.series() + "/";
      if (q.year() != 0) {
        f.stream_prefix += std::to_string(q.year());
        f.exact_stream = true;
      }
    }
  }
  if (!q.unit_id().empty() && !domain::valid_entity_id(q.unit_id()))
    return bad("unit_id", "a unit id is [A-Za-z0-9_-], at most 40", "Mã đơn vị không hợp lệ");
  if (!q.role().empty() && !role_of(q.role()))
    return bad("role", "role is one of ORGANIZER_OFFICE, CHAIR, VICE_CHAIR, MEMBER, OBSERVER",
               "Vai trò không hợp lệ");
  for (const auto& t : q.event_types()) {
    if (t.empty() || t.size() > 64 || !std::all_of(t.begin(), t.end(), [](char ch) {
          return std::isalnum(static_cast<unsigned char>(ch));
        }))
      return bad("event_types", "an event type is a name such as \"PledgeSigned\"",
                 "Loại sự kiện phải là tên như \"PledgeSigned\"");
    f.types.insert(t);
  }
  if (!q.from_date().empty()) {
    auto start = vietnam_day_start_ms(q.from_date());
    if (!start)
      return bad("from_date", "a date is YYYY-MM-DD or D/M/YYYY, a day that exists",
                 "Ngày phải có dạng YYYY-MM-DD hoặc D/M/YYYY và là ngày có thật");
    f.from_ms = *start;
  }
  if (!q.to_date().empty()) {
    auto start = vietnam_day_start_ms(q.to_date());
    if (!start)
      return bad("to_date", "a date is YYYY-MM-DD or D/M/YYYY, a day that exists",
                 "Ngày phải có dạng YYYY-MM-DD hoặc D/M/YYYY và là ngày có thật");
    f.to_ms = *start + 24 * 3600 * 1000;  // the whole day
  }
  if (q.from_ms() != 0) f.from_ms = std::max(f.from_ms, q.from_ms());
  if (q.to_ms() != 0) f.to_ms = std::min(f.to_ms, q.to_ms());
  if (f.from_ms >= f.to_ms)
    return bad(q.to_date().empty() && q.to_ms() != 0 ? "to_ms" : "to_date",
               "the time range is empty: its end is not after its start",
               "Khoảng thời gian rỗng: thời điểm kết thúc phải sau thời điểm bắt đầu");
  return f;
}

// The positions of the corrections of the event at `pos`, from the catalog's index of them.
result<std::vector<std::uint64_t>> corrections_of(const query_context& c, std::uint64_t pos) {
  std::vector<std::uint64_t> out;
  auto r = c.log.projection_scan(c.catalog, catalog_projection::corrections_prefix(pos),
                                 [&](std::string_view, std::string_view value) {
                                   out.push_back(std::stoull(std::string(value)));
                                   return true;
                                 });
  if (!r) return unreadable_log(r.error());
  return out;
}

result<pb::AuditEntry> entry_of(const query_context& c, const storage::stored_event& e) {
  pb::AuditEntry entry;
  *entry.mutable_event() = envelope_of(e);
  entry.set_recorded_at(vietnam_time(e.record.recorded_at_ms()));
  const auto& ev = entry.event();
  if (ev.has_cycle() && ev.cycle().has_correction_recorded()) {
    const std::uint64_t target = ev.cycle().correction_recorded().details().corrects_position();
    auto found = c.log.read_all({target}, 1);
    if (!found) return unreadable_log(found.error());
    if (!found.value().empty() && found.value()[0]->pos().value == target &&
        c.readable(found.value()[0]->record))
      *entry.mutable_corrects() = envelope_of(*found.value()[0]);
  }
  auto corrections = corrections_of(c, e.pos().value);
  if (!corrections) return corrections.error();
  for (auto p : corrections.value()) entry.add_corrected_by(p);
  return entry;
}

}  // namespace

result<pb::QueryResult> audit(const query_context& c, const pb::AuditQuery& q, pb::QueryResult out) {
  auto f = filter_of(q);
  if (!f) return f.error();
  const std::uint32_t limit = q.limit() == 0 ? std::min<std::uint32_t>(100, c.max_events) : c.page(q.limit());
  const std::uint64_t head = c.log.head().value;
  const std::uint64_t last = q.to_position() == 0 ? head : std::min(q.to_position(), head);
  std::uint64_t from = q.from_position();
  if (q.backward()) {
    if (from == 0 || from > last) from = last;
  } else {
    from = std::max<std::uint64_t>(from, 1);
  }
  if (last == 0 || from == 0 || (!q.backward() && from > last)) return out;

  // A narrow filter over a long log answers a short page and a cursor instead of holding a thread for the
  // whole log.
  const std::uint64_t max_scanned = c.max_scanned;
  std::vector<storage::event_ptr> hits;
  std::uint64_t scanned = 0, reached = 0;  // reached: the last position looked at
  if (!q.backward()) {
    auto r = c.log.scan({from}, {last}, [&](const storage::pb::EventRecord& rec, const storage::hash256& h) {
      ++scanned;
      reached = rec.position();
      if (f.value().matches(rec) && c.readable(rec))
        hits.push_back(std::make_shared<storage::stored_event>(storage::stored_event{rec, h}));
      return hits.size() < limit && scanned < max_scanned;
    });
    if (!r) return unreadable_log(r.error());
    if (reached < last && reached != 0) out.set_next_position(reached + 1);
  } else {
    std::uint64_t pos = from;
    while (pos >= 1 && hits.size() < limit && scanned < max_scanned) {
      auto page = c.log.read_all({pos}, 1000, storage::direction::backward);
      if (!page) return unreadable_log(page.error());
      if (page.value().empty()) break;
      for (const auto& e : page.value()) {
        ++scanned;
        reached = e->pos().value;
        if (f.value().matches(e->record) && c.readable(e->record)) hits.push_back(e);
        if (hits.size() >= limit || scanned >= max_scanned) break;
      }
      pos = reached - 1;  // 0 after position 1: the loop ends
    }
    if (reached > 1) out.set_next_position(reached - 1);
  }
  for (const auto& e : hits) {
    auto entry = entry_of(c, *e);
    if (!entry) return entry.error();
    *out.add_audit() = std::move(entry).value();
  }
  return out;
}

}  // namespace thidua::api
