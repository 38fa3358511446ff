#include "domain/membership_change.h"

#include <algorithm>

namespace thidua::domain {
namespace {

// Moves `from`'s entry to `to` unless `to` has one already (then `from`'s stays where it is).
template <class Map>
bool move_entry(Map& m, const std::string& from, const std::string& to) {
  auto it = m.find(from);
  if (it == m.end() || m.count(to)) return false;
  auto node = m.extract(it);
  node.key() = to;
  m.insert(std::move(node));
  return true;
}

bool holds(const cycle_state& s, const std::string& unit, const std::string& what) {
  if (what == "chair") return s.chair == unit;
  if (what == "vice_chair") return s.vice_chair == unit;
  if (what == "signature") return s.signed_units.count(unit) > 0;
  if (what == "self_assessment") return s.self_totals.count(unit) > 0;
  if (what == "verified_scores") return s.verified_totals.count(unit) > 0;
  if (what == "ranking")
    return std::any_of(s.ranking.begin(), s.ranking.end(),
                       [&](const auto& r) { return r.unit_id() == unit; });
  if (what == "nomination") return s.nominated.count(unit) > 0;
  if (what == "adoption") return s.adopted.count(unit) > 0;
  if (what == "decision") return s.decided.count(unit) > 0;
  if (what == "revocation") return s.revoked.count(unit) > 0;
  return false;
}

}  // namespace

pb::MembershipChanged membership_changed(const cycle_state& s, const pb::ChangeMembership& m) {
  pb::MembershipChanged e;
  *e.mutable_details() = m;
  const std::string& unit = m.unit_id();
  const std::string& successor = m.successor_unit_id();
  if (successor.empty()) return e;
  const bool was_member = s.is_member(successor);
  e.set_successor_was_member(was_member);
  if (!was_member) {
    e.add_inherited("membership");
    for (const char* what : {"chair", "vice_chair", "signature", "self_assessment", "verified_scores",
                             "ranking", "nomination", "adoption", "decision", "revocation"})
      if (holds(s, unit, what)) e.add_inherited(what);
    return e;
  }
  // A member already: it takes the chair (a vice chair moving up), the vice chair unless it chairs, and an
  // award form when it holds none — one per unit and cycle.
  if (s.chair == unit) e.add_inherited("chair");
  if (s.vice_chair == unit && s.chair != successor) e.add_inherited("vice_chair");
  if (holds(s, unit, "nomination") && !holds(s, successor, "nomination"))
    for (const char* what : {"nomination", "adoption", "decision", "revocation"})
      if (holds(s, unit, what)) e.add_inherited(what);
  return e;
}

void apply_membership_change(cycle_state& s, const pb::MembershipChanged& e) {
  const std::string& unit = e.details().unit_id();
  const std::string& successor = e.details().successor_unit_id();
  s.former_members.insert(unit);
  auto inherits = [&](const std::string& what) {
    return std::find(e.inherited().begin(), e.inherited().end(), what) != e.inherited().end();
  };
  if (!successor.empty() && !e.successor_was_member()) {
    // It takes the unit's place: the same records under the successor's id.
    std::replace(s.members.begin(), s.members.end(), unit, successor);
    if (s.chair == unit) s.chair = successor;
    if (s.vice_chair == unit) s.vice_chair = successor;
    if (s.signed_units.erase(unit)) s.signed_units.insert(successor);
    move_entry(s.self_totals, unit, successor);
    move_entry(s.verified_totals, unit, successor);
    for (auto& r : s.ranking)
      if (r.unit_id() == unit) r.set_unit_id(successor);
    move_entry(s.nominated, unit, successor);
    move_entry(s.adopted, unit, successor);
    move_entry(s.decided, unit, successor);
    if (s.revoked.erase(unit)) s.revoked.insert(successor);
    return;
  }
  s.members.erase(std::remove(s.members.begin(), s.members.end(), unit), s.members.end());
  if (inherits("chair")) {
    s.chair = successor;
    if (s.vice_chair == successor) s.vice_chair.clear();
  }
  if (inherits("vice_chair")) s.vice_chair = successor;
  if (s.vice_chair == unit) s.vice_chair.clear();
  // Its signature and scores stay in the log under its name; the cycle counts its members' only.
  s.signed_units.erase(unit);
  s.self_totals.erase(unit);
  s.verified_totals.erase(unit);
  if (inherits("nomination")) {
    move_entry(s.nominated, unit, successor);
    move_entry(s.adopted, unit, successor);
    move_entry(s.decided, unit, successor);
    if (s.revoked.erase(unit)) s.revoked.insert(successor);
  }
}

}  // namespace thidua::domain
