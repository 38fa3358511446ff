#include "domain/registry_decider.h"

#include <algorithm>

#include "domain/cycle_decider.h"
#include "domain/dates.h"
#include "domain/ids.h"
#include "domain/opening_scope.h"

namespace thidua::domain {
namespace {

using result = std::variant<std::vector<pb::RegistryEvent>, rejection>;

rejection refuse(std::string code, std::string field, std::string en, std::string vi) {
  return {std::move(code), std::move(field), std::move(en), std::move(vi)};
}

std::optional<rejection> known_active(const registry_state& s, const std::string& unit,
                                      const std::string& field) {
  auto it = s.units.find(unit);
  if (it == s.units.end())
    return refuse("UNIT_NOT_FOUND", field, "no unit " + unit + " is registered",
                  "Chưa đăng ký đơn vị " + unit);
  if (!it->second.merged_into.empty())
    return refuse("UNIT_MERGED", field, "unit " + unit + " was merged into " + it->second.merged_into,
                  "Đơn vị " + unit + " đã sáp nhập vào " + it->second.merged_into);
  if (!it->second.dissolved_on.empty())
    return refuse("UNIT_DISSOLVED", field, "unit " + unit + " was dissolved on " + it->second.dissolved_on,
                  "Đơn vị " + unit + " đã giải thể từ ngày " + it->second.dissolved_on);
  return std::nullopt;
}

std::optional<rejection> check_date(const std::string& d, const std::string& field) {
  if (is_date(d, false)) return std::nullopt;
  return refuse("INVALID_DATE", field, field + " must be a date written YYYY-MM-DD",
                field + " phải là ngày dạng YYYY-MM-DD");
}

}  // namespace

std::optional<std::string> registry_state::name_on(const std::string& unit, const std::string& date) const {
  auto it = units.find(unit);
  if (it == units.end() || it->second.names.empty()) return std::nullopt;
  std::string name = it->second.names.front().second;
  for (const auto& [from, n] : it->second.names)
    if (date.empty() || from <= date) name = n;
  return name;
}

std::string registry_state::cluster_key(const std::string& organizer, const std::string& series,
                                        const std::string& number) {
  return organizer + "/" + series + "/" + normalize_cluster_number(number);
}

namespace {

// A change of a cycle's membership repeats what the registry records: the unit merged into the successor, or
// dissolved, on the effective date.
std::optional<rejection> change_refusal(const registry_state& s, const pb::ChangeMembership& m) {
  auto unit = s.units.find(m.unit_id());
  if (unit == s.units.end())
    return refuse("UNIT_NOT_REGISTERED", "change_membership.unit_id",
                  "unit " + m.unit_id() + " is not registered",
                  "Đơn vị " + m.unit_id() + " chưa được đăng ký");
  if (!m.successor_unit_id().empty() && !s.units.count(m.successor_unit_id()))
    return refuse(
        "UNIT_NOT_REGISTERED", "change_membership.successor_unit_id",
        "unit " + m.successor_unit_id() + " is not registered; register it (register_unit) first",
        "Đơn vị " + m.successor_unit_id() + " chưa được đăng ký; hãy đăng ký (register_unit) trước");
  const auto& u = unit->second;
  const std::string asked = m.successor_unit_id().empty()
                                ? "dissolved on " + m.effective_date()
                                : "merged into " + m.successor_unit_id() + " on " + m.effective_date();
  const std::string asked_vi = m.successor_unit_id().empty() ? "giải thể từ ngày " + m.effective_date()
                                                             : "sáp nhập vào " + m.successor_unit_id() +
                                                                   " từ ngày " + m.effective_date();
  const bool agrees = m.successor_unit_id().empty()
                          ? u.merged_into.empty() && u.dissolved_on == m.effective_date()
                          : u.merged_into == m.successor_unit_id() && u.merged_on == m.effective_date();
  if (agrees) return std::nullopt;
  const std::string holds = !u.merged_into.empty()    ? "merged into " + u.merged_into + " on " + u.merged_on
                            : !u.dissolved_on.empty() ? "dissolved on " + u.dissolved_on
                                                      : "neither merged nor dissolved";
  const std::string holds_vi = !u.merged_into.empty()
                                   ? "sáp nhập vào " + u.merged_into + " từ ngày " + u.merged_on
                               : !u.dissolved_on.empty() ? "giải thể từ ngày " + u.dissolved_on
                                                         : "chưa sáp nhập hay giải thể";
  return refuse("CHANGE_NOT_IN_REGISTRY",
                u.ceased_on().empty()                 ? "change_membership.unit_id"
                : u.ceased_on() != m.effective_date() ? "change_membership.effective_date"
                                                      : "change_membership.successor_unit_id",
                "the registry holds unit " + m.unit_id() + " " + holds + ", not " + asked +
                    ": record the change in the registry first (merge_unit or dissolve_unit)",
                "Danh mục ghi đơn vị " + m.unit_id() + " " + holds_vi + ", không phải " + asked_vi +
                    ": hãy ghi thay đổi vào danh mục trước (merge_unit hoặc dissolve_unit)");
}

}  // namespace

std::optional<rejection> registry_refusal(const registry_state& s, const pb::Command& c, const pb::Actor& a) {
  const auto& k = c.cycle();
  if (!asks_other_streams(c, a)) return std::nullopt;
  if (c.has_change_membership()) return change_refusal(s, c.change_membership());
  const std::string cluster = registry_state::cluster_key(k.organizer_id(), k.series(), k.number());
  if (!s.clusters.count(cluster))
    return refuse("CLUSTER_NOT_DEFINED", "cycle.number",
                  "cluster " + cluster + " is not defined in the registry; define it (define_cluster) first",
                  "Cụm " + cluster + " chưa được lập trong danh mục; hãy lập cụm (define_cluster) trước");
  const std::string year_start = std::to_string(k.year()) + "-01-01";
  for (const auto& unit : c.open().member_unit_ids()) {
    auto it = s.units.find(unit);
    if (it == s.units.end())
      return refuse(
          "UNIT_NOT_REGISTERED", "open.member_unit_ids",
          "unit " + unit + " is not registered; register it (register_unit) first",
          "Đơn vị " + unit + " chưa được đăng ký trong danh mục; hãy đăng ký (register_unit) trước");
    const auto& u = it->second;
    if (!u.ceased_on().empty() && u.ceased_on() <= year_start) {
      if (!u.merged_into.empty())
        return refuse("UNIT_CEASED", "open.member_unit_ids",
                      "unit " + unit + " was merged into " + u.merged_into + " on " + u.merged_on +
                          ", before " + std::to_string(k.year()) + "; the cycle names " +
                          s.successor(unit, year_start),
                      "Đơn vị " + unit + " đã sáp nhập vào " + u.merged_into + " từ ngày " + u.merged_on +
                          ", trước năm " + std::to_string(k.year()) + "; chu kỳ phải ghi đơn vị " +
                          s.successor(unit, year_start));
      return refuse(
          "UNIT_CEASED", "open.member_unit_ids",
          "unit " + unit + " was dissolved on " + u.dissolved_on + ", before " + std::to_string(k.year()),
          "Đơn vị " + unit + " đã giải thể từ ngày " + u.dissolved_on + ", trước năm " +
              std::to_string(k.year()));
    }
  }
  return std::nullopt;
}

std::string registry_state::successor(const std::string& unit, const std::string& date) const {
  std::string current = unit;
  for (int hops = 0; hops < 64; ++hops) {  // merges form a chain; the bound guards a corrupt cycle
    auto it = units.find(current);
    if (it == units.end() || it->second.merged_into.empty()) return current;
    if (!date.empty() && it->second.merged_on > date) return current;
    current = it->second.merged_into;
  }
  return current;
}

std::variant<std::vector<pb::RegistryEvent>, rejection> registry_decider::decide(const state& s,
                                                                                 const command& c,
                                                                                 const actor& a,
                                                                                 std::int64_t) {
  if (a.role() != pb::ORGANIZER_OFFICE)
    return refuse("NOT_ORGANIZER", "actor", "only an organizer's emulation office keeps the registry",
                  "Chỉ cơ quan thường trực thi đua của đơn vị tổ chức được cập nhật danh mục");
  pb::RegistryEvent e;
  switch (c.action_case()) {
    case pb::RegistryCommand::kRegisterUnit: {
      const auto& m = c.register_unit();
      if (!valid_entity_id(m.unit_id()))
        return refuse("INVALID_UNIT_ID", "register_unit.unit_id", "a unit id is 1–40 of A-Z a-z 0-9 - _",
                      "Mã đơn vị gồm 1–40 ký tự A-Z a-z 0-9 - _");
      if (s.units.count(m.unit_id()))
        return refuse("UNIT_ALREADY_REGISTERED", "register_unit.unit_id",
                      "unit " + m.unit_id() + " is already registered",
                      "Đơn vị " + m.unit_id() + " đã được đăng ký");
      if (m.name().empty())
        return refuse("MISSING_FIELD", "register_unit.name", "a unit needs its name", "Đơn vị phải có tên");
      if (m.kind() == pb::INTERNAL_DIVISION) {
        if (auto r = known_active(s, m.parent_unit_id(), "register_unit.parent_unit_id")) return *r;
      }
      *e.mutable_unit_registered() = m;
      break;
    }
    case pb::RegistryCommand::kRenameUnit: {
      const auto& m = c.rename_unit();
      if (auto r = known_active(s, m.unit_id(), "rename_unit.unit_id")) return *r;
      if (auto r = check_date(m.effective_date(), "rename_unit.effective_date")) return *r;
      const auto& names = s.units.at(m.unit_id()).names;
      if (m.name().empty())
        return refuse("MISSING_FIELD", "rename_unit.name", "the new name is required", "Phải có tên mới");
      if (names.back().second == m.name())
        return refuse("NAME_UNCHANGED", "rename_unit.name", "unit " + m.unit_id() + " already has this name",
                      "Đơn vị " + m.unit_id() + " đã mang tên này");
      if (!names.back().first.empty() && m.effective_date() <= names.back().first)
        return refuse("DATE_BEFORE_PREVIOUS", "rename_unit.effective_date",
                      "the new name must take effect after " + names.back().first,
                      "Tên mới phải có hiệu lực sau ngày " + names.back().first);
      *e.mutable_unit_renamed() = m;
      break;
    }
    case pb::RegistryCommand::kMergeUnit: {
      const auto& m = c.merge_unit();
      if (auto r = known_active(s, m.unit_id(), "merge_unit.unit_id")) return *r;
      if (auto r = known_active(s, m.into_unit_id(), "merge_unit.into_unit_id")) return *r;
      if (m.unit_id() == m.into_unit_id())
        return refuse("CANNOT_MERGE_INTO_ITSELF", "merge_unit.into_unit_id",
                      "a unit cannot merge into itself", "Đơn vị không thể sáp nhập vào chính nó");
      if (auto r = check_date(m.effective_date(), "merge_unit.effective_date")) return *r;
      *e.mutable_unit_merged() = m;
      break;
    }
    case pb::RegistryCommand::kDissolveUnit: {
      const auto& m = c.dissolve_unit();
      if (auto r = known_active(s, m.unit_id(), "dissolve_unit.unit_id")) return *r;
      if (auto r = check_date(m.effective_date(), "dissolve_unit.effective_date")) return *r;
      if (m.reason().empty())
        return refuse("MISSING_FIELD", "dissolve_unit.reason", "a dissolution names the decision behind it",
                      "Việc giải thể phải nêu quyết định làm căn cứ");
      *e.mutable_unit_dissolved() = m;
      break;
    }
    case pb::RegistryCommand::kDefineCluster: {
      const auto& m = c.define_cluster();
      const std::string number = normalize_cluster_number(m.number());
      if (!valid_entity_id(m.organizer_id()) || !valid_entity_id(m.series()) || number.empty())
        return refuse("INVALID_CLUSTER_KEY", "define_cluster",
                      "a cluster is named by organizer, series and number",
                      "Cụm được định danh bằng đơn vị tổ chức, khối và số cụm");
      if (a.organizer_id() != m.organizer_id())
        return refuse("NOT_ORGANIZER", "define_cluster.organizer_id",
                      "only " + m.organizer_id() + " defines its clusters",
                      "Chỉ " + m.organizer_id() + " được lập cụm của mình");
      const std::string key = registry_state::cluster_key(m.organizer_id(), m.series(), number);
      if (s.clusters.count(key))
        return refuse("CLUSTER_ALREADY_DEFINED", "define_cluster", "cluster " + key + " is already defined",
                      "Cụm " + key + " đã được lập");
      if (m.name().empty())
        return refuse("MISSING_FIELD", "define_cluster.name", "a cluster needs its name", "Cụm phải có tên");
      *e.mutable_cluster_defined() = m;
      e.mutable_cluster_defined()->set_number(number);
      break;
    }
    default:
      return refuse("MISSING_FIELD", "action", "the command names no action", "Lệnh không nêu thao tác nào");
  }
  return std::vector<pb::RegistryEvent>{std::move(e)};
}

registry_state registry_decider::evolve(state s, const event& e) {
  switch (e.body_case()) {
    case pb::RegistryEvent::kUnitRegistered: {
      auto& u = s.units[e.unit_registered().unit_id()];
      u.kind = e.unit_registered().kind();
      u.parent = e.unit_registered().parent_unit_id();
      u.names = {{"", e.unit_registered().name()}};
      break;
    }
    case pb::RegistryEvent::kUnitRenamed:
      s.units[e.unit_renamed().unit_id()].names.emplace_back(e.unit_renamed().effective_date(),
                                                             e.unit_renamed().name());
      break;
    case pb::RegistryEvent::kUnitMerged: {
      auto& u = s.units[e.unit_merged().unit_id()];
      u.merged_into = e.unit_merged().into_unit_id();
      u.merged_on = e.unit_merged().effective_date();
      break;
    }
    case pb::RegistryEvent::kClusterDefined: {
      const auto& d = e.cluster_defined();
      s.clusters[registry_state::cluster_key(d.organizer_id(), d.series(), d.number())] = d.name();
      break;
    }
    case pb::RegistryEvent::kUnitDissolved: {
      auto& u = s.units[e.unit_dissolved().unit_id()];
      u.dissolved_on = e.unit_dissolved().effective_date();
      u.dissolved_reason = e.unit_dissolved().reason();
      break;
    }
    case pb::RegistryEvent::BODY_NOT_SET:
      break;
  }
  return s;
}

std::string registry_decider::event_type(const event& e) {
  switch (e.body_case()) {
    case pb::RegistryEvent::kUnitRegistered:
      return "UnitRegistered";
    case pb::RegistryEvent::kUnitRenamed:
      return "UnitRenamed";
    case pb::RegistryEvent::kUnitMerged:
      return "UnitMerged";
    case pb::RegistryEvent::kClusterDefined:
      return "ClusterDefined";
    case pb::RegistryEvent::kUnitDissolved:
      return "UnitDissolved";
    case pb::RegistryEvent::BODY_NOT_SET:
      break;
  }
  return "Unknown";
}

bool registry_decider::known_event_type(std::string_view type) {
  return type == "UnitRegistered" || type == "UnitRenamed" || type == "UnitMerged" ||
         type == "ClusterDefined" || type == "UnitDissolved";
}

std::optional<pb::RegistryEvent> registry_decider::decode(std::string_view type, std::string_view bytes) {
  pb::RegistryEvent e;
  if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || event_type(e) != type)
    return std::nullopt;
  return e;
}

}  // namespace thidua::domain
