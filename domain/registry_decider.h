#pragma once
// The registry of units (with their names over time and merges) and of clusters, as a pure decider. Records
// made under a unit's old name stay readable: the registry answers which name a unit had on a date and which
// unit continues a merged one.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/decider_support.h"
#include "domain/proto/cycle.pb.h"
#include "domain/proto/registry.pb.h"
#include "domain/rejection.h"

namespace thidua::domain {

struct unit_record {
  pb::UnitKind kind = pb::UNIT_KIND_UNSPECIFIED;
  std::string parent;
  std::vector<std::pair<std::string, std::string>> names;  // (effective date, name); the first has date ""
  std::string merged_into;
  std::string merged_on;
  std::string dissolved_on;  // dissolved without a successor from that date
  std::string dissolved_reason;

  // The date (YYYY-MM-DD) from which the unit no longer exists, merged or dissolved; empty while it does.
  const std::string& ceased_on() const { return merged_into.empty() ? dissolved_on : merged_on; }
};

struct registry_state {
  std::map<std::string, unit_record> units;
  std::map<std::string, std::string> clusters;  // "organizer/series/number" → name

  // The unit's name in force on `date` (YYYY-MM-DD); the latest name when `date` is empty.
  std::optional<std::string> name_on(const std::string& unit, const std::string& date = {}) const;
  // The unit that continues `unit` on `date` (YYYY-MM-DD), following the merges in effect by then; today
  // when `date` is empty. Itself when never merged.
  std::string successor(const std::string& unit, const std::string& date = {}) const;
  // "organizer/series/number" of a cluster (the number normalized: "II" → "2").
  static std::string cluster_key(const std::string& organizer, const std::string& series,
                                 const std::string& number);
};

// The registry's part in opening a cycle (the cycle's stream cannot see the registry, so the application asks
// this before the cycle decides): the cluster must be defined for the organizer and series, and every member
// registered and still existing on 1 January of the cycle's year (a unit merged or dissolved mid-year is
// changed in the cycle, not refused at its opening). nullopt when the command passes, is not an opening, or
// is one the cycle refuses anyway (a malformed key, an actor who is not the key's organizer office): those
// hear the cycle's reason, and nobody else learns what the registry holds.
std::optional<rejection> registry_refusal(const registry_state& s, const pb::Command& c, const pb::Actor& a);

// The contract's types, initial, encode, encode_command and the actor_* functions: decider_support.h.
struct registry_decider
    : protobuf_decider<registry_state, pb::RegistryCommand, pb::RegistryEvent, pb::Actor, rejection>,
      actor_names {
  static std::string stream_of(const command&) { return "registry"; }
  static decision decide(const state& s, const command& c, const actor& a, std::int64_t now_ms);
  static state evolve(state s, const event& e);
  static std::string event_type(const event& e);
  static bool known_event_type(std::string_view type);
  static std::optional<event> decode(std::string_view type, std::string_view bytes);
};

}  // namespace thidua::domain
