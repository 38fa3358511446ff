#include "api/app/membership_index.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <mutex>

#include "domain/cycle_decider.h"
#include "domain/proto/views.pb.h"
#include "domain/read_access.h"
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

std::string cluster_of_payload(std::string_view payload) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(payload.data()),
                                            static_cast<int>(payload.size()));
  // pb::Event: `cluster` is field 1, a string.
  while (const std::uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == 1 &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      std::uint32_t length = 0;
      std::string cluster;
      if (!in.ReadVarint32(&length) || length > 64 || !in.ReadString(&cluster, static_cast<int>(length)))
        return {};
      return cluster;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return {};
  }
  return {};
}

void membership_index::learn(const std::vector<storage::event_ptr>& batch) {
  for (const auto& e : batch) learn(e->record);
}

void membership_index::learn(const storage::pb::EventRecord& record) {
  if (record.event_type() != "CycleOpened" || domain::organizer_of_cycle_stream(record.stream_id()).empty())
    return;
  auto e = domain::cycle_decider::decode(record.event_type(), record.payload());
  if (!e || !e->has_cycle_opened()) return;
  const auto& ids = e->cycle_opened().details().member_unit_ids();
  add(record.stream_id(), e->cluster(), {ids.begin(), ids.end()});
}

void membership_index::add(std::string stream, std::string cluster, std::vector<std::string> members) {
  std::unique_lock lk(mu_);
  members_.insert_or_assign(index_key(stream, cluster),
                            std::make_shared<const std::vector<std::string>>(std::move(members)));
}

result<void> membership_index::load(std::string_view catalog_projection) {
  auto checkpoint = log_.projection_checkpoint(catalog_projection);
  if (!checkpoint) return checkpoint.error();
  auto scanned = log_.projection_scan(
      catalog_projection, domain::cycle_view_prefix, [&](std::string_view, std::string_view value) {
        domain::pb::CycleView v;
        if (v.ParseFromArray(value.data(), static_cast<int>(value.size())) && !v.stream_id().empty())
          add(v.stream_id(), v.key().number(), {v.member_unit_ids().begin(), v.member_unit_ids().end()});
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
