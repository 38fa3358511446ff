#include "api/app/queries/as_of.h"

#include <map>
#include <vector>

#include "api/app/catalog_projection.h"
#include "api/app/vietnam_time.h"
#include "domain/views.h"

namespace thidua::api {
namespace {

// The fold's store: the cycle's view and the stream's index entry for it, nothing else.
class fold_store final : public domain::view_store {
 public:
  fold_store(std::string key, std::string view) : key_(std::move(key)) { values_[key_] = std::move(view); }
  std::optional<std::string> get(const std::string& key) override {
    // Only this cycle's events are folded: whatever cluster entry they ask for is this cycle's.
    if (key.starts_with("cycle-of/")) return key_;
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  void put(const std::string& key, std::string value) override { values_[key] = std::move(value); }
  const std::string& view() { return values_[key_]; }

 private:
  std::string key_;
  std::map<std::string, std::string> values_;
};

// The 20-digit position a key ends with.
std::uint64_t position_of_key_end(std::string_view key) {
  std::uint64_t p = 0;
  for (char ch : key.substr(key.size() - 20)) p = p * 10 + static_cast<std::uint64_t>(ch - '0');
  return p;
}

}  // namespace

result<as_of_point> resolve_as_of(const query_context& c, const pb::AsOf& a, const std::string& field) {
  if (a.position() == 0 && a.date().empty()) return as_of_point{};
  if (a.position() != 0 && !a.date().empty())
    return invalid(field, "give a position or a date, not both",
                   "Chỉ nêu vị trí hoặc ngày, không nêu cả hai");
  const std::uint64_t head = c.log.head().value;
  if (a.position() != 0) {
    if (a.position() > head)
      return invalid(
          field + ".position",
          "position " + std::to_string(a.position()) + " is beyond the log's head " + std::to_string(head),
          "Vị trí " + std::to_string(a.position()) + " vượt quá vị trí cuối của sổ (" + std::to_string(head) +
              ")");
    auto rec = c.record_at(a.position());
    if (!rec) return rec.error();
    return as_of_point{false, a.position(), vietnam_date(rec.value()->record.recorded_at_ms())};
  }
  const auto start = vietnam_day_start_ms(a.date());
  if (!start)
    return invalid(field + ".date", "\"" + a.date() + "\" is not a date: write 2024-06-30 or 30/6/2024",
                   "\"" + a.date() + "\" không phải là ngày: ghi 2024-06-30 hoặc 30/6/2024");
  const std::string day = vietnam_date(*start);
  if (c.now_ms != 0 && day > vietnam_date(c.now_ms))
    return invalid(field + ".date",
                   "the day " + day + " has not come yet (today is " + vietnam_date(c.now_ms) + ")",
                   "Ngày " + day + " chưa đến");
  // The last day indexed at or before it: the day keys sort by date.
  const std::string last_key = catalog_projection::day_prefix + day;
  std::uint64_t position = 0;
  auto scanned = c.log.projection_scan(c.catalog, catalog_projection::day_prefix,
                                       [&](std::string_view key, std::string_view value) {
                                         if (key > last_key) return false;
                                         position = std::stoull(std::string(value));
                                         return true;
                                       });
  if (!scanned) return unreadable_log(scanned.error());
  return as_of_point{false, position, day};
}

result<std::optional<domain::pb::CycleView>> cycle_as_of(const query_context& c,
                                                         const domain::pb::CycleView& now,
                                                         const std::string& key, std::uint64_t position,
                                                         std::uint64_t& folded) {
  if (now.last_position() <= position) return std::optional(now);
  // The nearest snapshot at or before the position.
  std::string snapshot;
  auto scanned = c.log.projection_scan(c.catalog, catalog_projection::snapshot_prefix(key),
                                       [&](std::string_view k, std::string_view value) {
                                         if (position_of_key_end(k) > position) return false;
                                         snapshot.assign(value);
                                         return true;
                                       });
  if (!scanned) return unreadable_log(scanned.error());
  domain::pb::CycleView from;
  if (!snapshot.empty() && !from.ParseFromString(snapshot))
    return unreadable_log(make_error(storage::errc::corruption, "an unreadable snapshot of " + key));
  fold_store store(key, snapshot);
  // The cycle's events after the snapshot (fewer than snapshot_every), those up to the position.
  std::vector<std::uint64_t> positions;
  auto bucket = c.log.projection_get(
      c.catalog, catalog_projection::events_key(key, from.events() / catalog_projection::snapshot_every));
  if (!bucket) return unreadable_log(bucket.error());
  if (bucket.value() && catalog_projection::read_positions(*bucket.value(), position, positions) ==
                            catalog_projection::listed_positions::unreadable)
    return unreadable_log(make_error(storage::errc::corruption, "an unreadable event index of " + key));
  for (const auto p : positions) {
    auto read = c.record_at(p);
    if (!read) return read.error();
    const auto& r = read.value()->record;
    domain::pb::Event event;
    if (!event.ParseFromString(r.payload()))
      return unreadable_log(
          make_error(storage::errc::corruption, "an undecodable event at " + std::to_string(r.position())));
    domain::apply_to_views(event, {r.stream_id(), r.position(), r.recorded_at_ms(), r.stream_version()},
                           store);
    ++folded;
  }
  domain::pb::CycleView then;
  if (store.view().empty() || !then.ParseFromString(store.view()) || !then.has_key())
    return std::optional<domain::pb::CycleView>();
  return std::optional(std::move(then));
}

}  // namespace thidua::api
