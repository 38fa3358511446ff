#pragma once
// The emulation cycle as a decider: pure functions over protobuf messages. It satisfies engine::decider
// without including anything of the engine (domain/ depends on the standard library and its protobuf types
// only).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/cycle_state.h"
#include "domain/proto/cycle.pb.h"
#include "domain/rejection.h"

namespace thidua::domain {

struct cycle_decider {
  using state = series_state;
  using command = pb::Command;
  using event = pb::Event;
  using actor = pb::Actor;
  using rejection = domain::rejection;

  static state initial() { return {}; }
  // "cycles/<organizer>/<series>/<year>": one stream per series and year; events name their cluster.
  static std::string stream_of(const command& c);
  static std::variant<std::vector<event>, rejection> decide(const state& s, const command& c, const actor& a,
                                                            std::int64_t now_ms);
  static state evolve(state s, const event& e);

  // The rules of one cluster's cycle, and its fold (used by decide and evolve).
  static std::variant<std::vector<event>, rejection> decide_cycle(const cycle_state& s, const command& c,
                                                                  const actor& a);
  static cycle_state evolve_cycle(cycle_state s, const event& e);
  static std::string event_type(const event& e);
  static bool known_event_type(std::string_view type);
  static std::string encode(const event& e) { return e.SerializeAsString(); }
  // Commands have no map fields, so protobuf's bytes are the same for the same command.
  static std::string encode_command(const command& c) { return c.SerializeAsString(); }
  static std::optional<event> decode(std::string_view type, std::string_view bytes);
  static std::string actor_unit(const actor& a) { return a.unit_id(); }
  static std::string actor_person(const actor& a);
  static std::string actor_role(const actor& a);
};

// "II" → "2", "5" → "5"; empty when the text is neither a number nor a Roman numeral up to XXXIX.
std::string normalize_cluster_number(std::string_view number);

}  // namespace thidua::domain
