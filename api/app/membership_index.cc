#include "api/app/membership_index.h"

#include <algorithm>
#include <mutex>

#include "domain/proto/views.pb.h"
#include "domain/read_access.h"
#include "domain/streams.h"
#include "domain/views.h"

namespace thidua::api {
namespace {

std::string index_key(std::string_view stream, std::string_view cluster) {
  std::string k(stream);
  k += '\n';
  k += cluster;
  return k;
}

}  // namespace

void membership_index::learn(const std::vector<storage::event_ptr>& batch) {
  for (const auto& e : batch) learn(e->record);
}

void membership_index::learn(const storage::pb::EventRecord& record) {
  const std::string& type = record.event_type();
  if (type != "CycleOpened" && type != "MembershipChanged" && type != "UnitMerged") return;
  auto decoded = domain::decode_event(record.stream_id(), type, record.payload());
  if (const auto* r = std::get_if<domain::pb::RegistryEvent>(&decoded.event)) {
    if (r->has_unit_merged()) merged(r->unit_merged().unit_id(), r->unit_merged().into_unit_id());
    return;
  }
  const auto* e = std::get_if<domain::pb::Event>(&decoded.event);
  if (!e) return;
  if (e->has_cycle_opened()) {
    const auto& ids = e->cycle_opened().details().member_unit_ids();
    add(record.stream_id(), e->cluster(), {ids.begin(), ids.end()});
  } else if (e->has_membership_changed() && !e->membership_changed().details().successor_unit_id().empty()) {
    add(record.stream_id(), e->cluster(), {e->membership_changed().details().successor_unit_id()});
  }
}

membership_index::unit_list membership_index::readers_of(const std::set<std::string>& members) const {
  std::set<std::string> readers = members;
  for (const auto& m : members) {
    std::string current = m;
    for (int hops = 0; hops < 64; ++hops) {  // merges form a chain; the bound guards a corrupt cycle
      auto it = merged_into_.find(current);
      if (it == merged_into_.end()) break;
      current = it->second;
      readers.insert(current);
    }
  }
  return std::make_shared<const std::vector<std::string>>(readers.begin(), readers.end());
}

void membership_index::add(const std::string& stream, const std::string& cluster,
                           const std::vector<std::string>& units) {
  std::unique_lock lk(mu_);
  auto& entry = cycles_[index_key(stream, cluster)];
  entry.members.insert(units.begin(), units.end());
  entry.readers = readers_of(entry.members);
}

void membership_index::merged(const std::string& unit, const std::string& into) {
  std::unique_lock lk(mu_);
  merged_into_.insert_or_assign(unit, into);
  // Rare (a merger of provinces): every cycle the unit's lineage reads learns the successor.
  for (auto& [key, entry] : cycles_) {
    const auto& readers = *entry.readers;
    if (std::find(readers.begin(), readers.end(), unit) != readers.end())
      entry.readers = readers_of(entry.members);
  }
}

result<void> membership_index::load(std::string_view catalog_projection) {
  auto checkpoint = log_.projection_checkpoint(catalog_projection);
  if (!checkpoint) return checkpoint.error();
  auto cycles = log_.projection_scan(
      catalog_projection, domain::cycle_view_prefix, [&](std::string_view, std::string_view value) {
        domain::pb::CycleView v;
        if (v.ParseFromArray(value.data(), static_cast<int>(value.size())) && !v.stream_id().empty()) {
          std::vector<std::string> units(v.member_unit_ids().begin(), v.member_unit_ids().end());
          units.insert(units.end(), v.former_member_unit_ids().begin(), v.former_member_unit_ids().end());
          add(v.stream_id(), v.key().number(), units);
        }
        return true;
      });
  if (!cycles) return cycles.error();
  auto units = log_.projection_scan(
      catalog_projection, domain::unit_view_prefix, [&](std::string_view, std::string_view value) {
        domain::pb::UnitView v;
        if (v.ParseFromArray(value.data(), static_cast<int>(value.size())) && !v.merged_into().empty())
          merged(v.unit_id(), v.merged_into());
        return true;
      });
  if (!units) return units.error();
  // What the read model has not applied yet; learn(batch) covers everything the hub is handed after it was
  // constructed, which is before this head was read (learning the same event twice changes nothing).
  auto tail = log_.scan({checkpoint.value().value + 1}, log_.head(),
                        [&](const storage::pb::EventRecord& r, const storage::hash256&) {
                          learn(r);
                          return true;
                        });
  if (!tail) return tail.error();
  return success();
}

membership_index::unit_list membership_index::members(std::string_view stream,
                                                      std::string_view cluster) const {
  static const unit_list none = std::make_shared<const std::vector<std::string>>();
  std::shared_lock lk(mu_);
  auto it = cycles_.find(index_key(stream, cluster));
  return it == cycles_.end() ? none : it->second.readers;
}

std::vector<std::pair<std::string, std::string>> membership_index::cycles_of(std::string_view unit) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::shared_lock lk(mu_);
  for (const auto& [k, entry] : cycles_) {
    const auto& units = *entry.readers;
    if (std::find(units.begin(), units.end(), unit) == units.end()) continue;
    const auto nl = k.find('\n');
    out.emplace_back(k.substr(0, nl), k.substr(nl + 1));
  }
  return out;
}

}  // namespace thidua::api
