#include <algorithm>
#include <charconv>
#include <map>
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

// The corrections of the events at `positions` (in order), from the catalog's index of them: one scan of the
// keys the page's range shares, instead of one per entry.
using corrections_map = std::map<std::uint64_t, std::vector<std::uint64_t>>;
result<corrections_map> corrections_of(const query_context& c, const std::vector<std::uint64_t>& positions) {
  corrections_map out;
  if (positions.empty()) return out;
  const auto [lo, hi] = std::minmax_element(positions.begin(), positions.end());
  const std::string first = catalog_projection::corrections_prefix(*lo);
  const std::string last = catalog_projection::corrections_prefix(*hi);
  const std::string shared(first.begin(), std::mismatch(first.begin(), first.end(), last.begin()).first);
  const std::set<std::uint64_t> wanted(positions.begin(), positions.end());
  auto r = c.log.projection_scan(c.catalog, shared, [&](std::string_view key, std::string_view value) {
    // "corrections/<20-digit corrected>/<20-digit correction>"
    const std::size_t at = std::string_view("corrections/").size();
    std::uint64_t corrected = 0;
    std::from_chars(key.data() + at, key.data() + at + 20, corrected);
    if (corrected > *hi) return false;
    if (wanted.count(corrected)) out[corrected].push_back(std::stoull(std::string(value)));
    return true;
  });
  if (!r) return unreadable_log(r.error());
  return out;
}

// The positions `unit` recorded up to `hi`, in order, from the catalog's actor index.
result<std::vector<std::uint64_t>> actor_positions(const query_context& c, const std::string& unit,
                                                   std::uint64_t hi) {
  std::vector<std::uint64_t> out;
  auto listed = catalog_projection::listed_positions::all_read;
  auto r = c.log.projection_scan(c.catalog, catalog_projection::actor_prefix(unit),
                                 [&](std::string_view, std::string_view positions) {
                                   listed = catalog_projection::read_positions(positions, hi, out);
                                   return listed == catalog_projection::listed_positions::all_read;
                                 });
  if (!r) return unreadable_log(r.error());
  if (listed == catalog_projection::listed_positions::unreadable)
    return unreadable_log(make_error(storage::errc::corruption, "an unreadable actor index of " + unit));
  return out;
}

result<pb::AuditEntry> entry_of(const query_context& c, const storage::stored_event& e,
                                const corrections_map& corrections) {
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
  if (auto it = corrections.find(e.pos().value); it != corrections.end())
    for (auto p : it->second) entry.add_corrected_by(p);
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
  // A unit's entries come from the catalog's index of what each unit recorded, as far as the catalog has
  // applied the log ([1, index_hi]); the rest of the range is scanned.
  std::vector<std::uint64_t> indexed;
  std::uint64_t index_hi = 0;
  if (!q.unit_id().empty()) {
    auto cp = c.log.projection_checkpoint(c.catalog);
    if (!cp) return unreadable_log(cp.error());
    index_hi = std::min(last, cp.value().value);
    auto listed = actor_positions(c, q.unit_id(), index_hi);
    if (!listed) return listed.error();
    indexed = std::move(listed).value();
  }
  const auto more = [&] { return hits.size() < limit && scanned < max_scanned; };
  const auto look_at = [&](std::uint64_t p) -> result<void> {
    ++scanned;
    reached = p;
    auto read = c.record_at(p);
    if (!read) return read.error();
    const auto& e = read.value();
    if (f.value().matches(e->record) && c.readable(e->record)) hits.push_back(e);
    return success();
  };
  if (!q.backward()) {
    std::uint64_t pos = from;
    if (pos <= index_hi) {
      for (auto it = std::lower_bound(indexed.begin(), indexed.end(), from); it != indexed.end() && more();
           ++it)
        if (auto looked = look_at(*it); !looked) return looked.error();
      if (more()) reached = index_hi;  // the index had nothing more up to there
      pos = reached + 1;
    }
    if (more() && pos <= last) {
      auto r = c.log.scan({pos}, {last}, [&](const storage::pb::EventRecord& rec, const storage::hash256& h) {
        ++scanned;
        reached = rec.position();
        if (f.value().matches(rec) && c.readable(rec))
          hits.push_back(std::make_shared<storage::stored_event>(storage::stored_event{rec, h}));
        return more();
      });
      if (!r) return unreadable_log(r.error());
    }
    if (reached < last && reached != 0) out.set_next_position(reached + 1);
  } else {
    std::uint64_t pos = from;
    while (pos >= 1 && pos > index_hi && more()) {
      auto page = c.log.read_all({pos}, 1000, storage::direction::backward);
      if (!page) return unreadable_log(page.error());
      if (page.value().empty()) break;
      for (const auto& e : page.value()) {
        if (e->pos().value <= index_hi) break;
        ++scanned;
        reached = e->pos().value;
        if (f.value().matches(e->record) && c.readable(e->record)) hits.push_back(e);
        if (!more()) break;
      }
      // On below this page (0 after position 1: the loop ends), or into the part the index answers.
      const std::uint64_t lowest = page.value().back()->pos().value;
      pos = lowest > index_hi ? lowest - 1 : index_hi;
    }
    if (more() && pos >= 1 && pos <= index_hi) {
      auto it = std::upper_bound(indexed.begin(), indexed.end(), pos);
      while (it != indexed.begin() && more())
        if (auto looked = look_at(*--it); !looked) return looked.error();
      if (more()) reached = 1;  // the index had nothing more down to position 1
    }
    if (reached > 1) out.set_next_position(reached - 1);
  }
  std::vector<std::uint64_t> positions;
  positions.reserve(hits.size());
  for (const auto& e : hits) positions.push_back(e->pos().value);
  auto corrections = corrections_of(c, positions);
  if (!corrections) return corrections.error();
  for (const auto& e : hits) {
    auto entry = entry_of(c, *e, corrections.value());
    if (!entry) return entry.error();
    *out.add_audit() = std::move(entry).value();
  }
  return out;
}

}  // namespace thidua::api
