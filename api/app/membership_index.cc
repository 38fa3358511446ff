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
  if (record.event_type() != "CycleOpened") return;
  auto decoded = domain::decode_event(record.stream_id(), record.event_type(), record.payload());
  const auto* e = std::get_if<domain::pb::Event>(&decoded.event);
  if (!e || !e->has_cycle_opened()) return;
  const auto& ids = e->cycle_opened().details().member_unit_ids();
  add(record.stream_id(), e->cluster(), {ids.begin(), ids.end()});
}

void membership_index::add(std::string stream, std::string cluster, std::vector<std::string> members) {
  std::unique_lock lk(mu_);
  auto& units = members_[index_key(stream, cluster)];
  // A cluster opened again in the same year (after a dissolution) adds its members to the earlier ones: each
  // keeps reading what happened while it was a member. The list is replaced, never changed under a reader.
  if (units) {
    for (const auto& u : *units)
      if (std::find(members.begin(), members.end(), u) == members.end()) members.push_back(u);
  }
  units = std::make_shared<const std::vector<std::string>>(std::move(members));
}

result<void> membership_index::load(std::string_view catalog_projection) {
  auto checkpoint = log_.projection_checkpoint(catalog_projection);
  if (!checkpoint) return checkpoint.error();
  auto scanned = log_.projection_scan(
      catalog_projection, domain::cycle_view_prefix, [&](std::string_view, std::string_view value) {
        domain::pb::CycleView v;
        if (v.ParseFromArray(value.data(), static_cast<int>(value.size())) && !v.stream_id().empty()) {
          std::vector<std::string> units(v.member_unit_ids().begin(), v.member_unit_ids().end());
          units.insert(units.end(), v.former_member_unit_ids().begin(), v.former_member_unit_ids().end());
          add(v.stream_id(), v.key().number(), std::move(units));
        }
        return true;
      });
  if (!scanned) return scanned.error();
  // What the read model has not applied yet; learn(batch) covers everything the hub is handed after it was
  // constructed, which is before this head was read (adding the same cycle twice changes nothing).
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
  auto it = members_.find(index_key(stream, cluster));
  return it == members_.end() ? none : it->second;
}

std::vector<std::pair<std::string, std::string>> membership_index::cycles_of(std::string_view unit) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::shared_lock lk(mu_);
  for (const auto& [k, units] : members_) {
    if (std::find(units->begin(), units->end(), unit) == units->end()) continue;
    const auto nl = k.find('\n');
    out.emplace_back(k.substr(0, nl), k.substr(nl + 1));
  }
  return out;
}

}  // namespace thidua::api
