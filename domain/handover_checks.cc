#include "domain/handover_checks.h"

#include <set>
#include <string>

#include "domain/opening_scope.h"

namespace thidua::domain {
namespace {

// What in `o` contradicts the handover of `previous`, in English and Vietnamese; empty when nothing does.
std::pair<std::string, std::string> contradiction(const cycle_state& previous, const registry_state& registry,
                                                  const pb::OpenCycle& o) {
  if (o.chair_unit_id() != previous.next_chair)
    return {"it names " + previous.next_chair + " as chair, the opening " + o.chair_unit_id(),
            "biên bản bàn giao ghi " + previous.next_chair + " làm Cụm trưởng, lệnh mở chu kỳ ghi " +
                o.chair_unit_id()};
  if (!previous.next_vice_chair.empty() && o.vice_chair_unit_id() != previous.next_vice_chair)
    return {"it names " + previous.next_vice_chair + " as vice chair, the opening " +
                (o.vice_chair_unit_id().empty() ? std::string("none") : o.vice_chair_unit_id()),
            "biên bản bàn giao ghi " + previous.next_vice_chair + " làm Cụm phó, lệnh mở chu kỳ ghi " +
                (o.vice_chair_unit_id().empty() ? std::string("không có") : o.vice_chair_unit_id())};
  // The members of last year as the registry continues them on 1 January of the opening's year.
  const std::string year_start = std::to_string(previous.key.year() + 1) + "-01-01";
  std::set<std::string> before;
  for (const auto& unit : previous.members) before.insert(registry.successor(unit, year_start));
  const std::set<std::string> now(o.member_unit_ids().begin(), o.member_unit_ids().end());
  if (before != now)
    return {"the members differ from the " + std::to_string(previous.key.year()) +
                " cluster's (a re-formed cluster)",
            "thành viên khác với Cụm năm " + std::to_string(previous.key.year()) + " (Cụm được tổ chức lại)"};
  return {};
}

}  // namespace

std::optional<rejection> handover_refusal(const cycle_state& previous_year, const registry_state& registry,
                                          const pb::Command& c, const pb::Actor& a) {
  const auto& k = c.cycle();
  if (!c.has_open() || !asks_other_streams(c, a)) return std::nullopt;
  const auto& o = c.open();
  const std::string before = std::to_string(k.year() - 1);
  if (!previous_year.handed_over) {
    if (o.void_previous_handover_reason().empty()) return std::nullopt;
    return rejection{"NO_HANDOVER", "open.void_previous_handover_reason",
                     "the cluster's " + before + " cycle has no handover to void",
                     "Chu kỳ năm " + before + " của Cụm không có biên bản bàn giao nào để hủy"};
  }
  const auto [en, vi] = contradiction(previous_year, registry, o);
  if (en.empty() || !o.void_previous_handover_reason().empty()) return std::nullopt;
  return rejection{"HANDOVER_CONTRADICTED", "open",
                   "the opening contradicts the " + before + " handover: " + en +
                       "; void that handover (void_handover on the " + before +
                       " cycle) or give open.void_previous_handover_reason",
                   "Lệnh mở chu kỳ trái với biên bản bàn giao năm " + before + ": " + vi +
                       "; hãy hủy việc bàn giao (void_handover ở chu kỳ năm " + before +
                       ") hoặc nêu lý do hủy trong open.void_previous_handover_reason"};
}

}  // namespace thidua::domain
