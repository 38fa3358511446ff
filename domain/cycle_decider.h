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
#include "domain/deadline_timers.h"
#include "domain/decider_support.h"
#include "domain/proto/cycle.pb.h"
#include "domain/rejection.h"

namespace thidua::domain {

// The contract's types, initial, encode, encode_command and the actor_* functions: decider_support.h.
struct cycle_decider : protobuf_decider<series_state, pb::Command, pb::Event, pb::Actor, rejection>,
                       actor_names {
  // "cycles/<organizer>/<series>/<year>": one stream per series and year; events name their cluster.
  static std::string stream_of(const command& c);
  static decision decide(const state& s, const command& c, const actor& a, std::int64_t now_ms);
  static state evolve(state s, const event& e);
  // The version of the cycle the command acts on (engine::versions_subjects).
  static std::uint64_t version_of(const state& s, const command& c);
  // The deadline timers of the command's cycle, and what they need (engine::schedules_timers;
  // domain/deadline_timers.h).
  static std::vector<deadline_timer> timers(const state& s, const command& c);
  static std::optional<command> decode_command(std::string_view bytes);
  static actor timer_actor();

  // The rules of one cluster's cycle, and its fold (used by decide and evolve).
  static decision decide_cycle(const cycle_state& s, const command& c, const actor& a);
  static void apply_to_cycle(cycle_state& s, const event& e);  // one cluster's part of evolve, in place
  static std::string event_type(const event& e);
  static bool known_event_type(std::string_view type);
  static std::optional<event> decode(std::string_view type, std::string_view bytes);
};

// Whether `e` is one of the organizer office's own records — the opening, its settings, decisions,
// revocations, the voiding of a handover, the close, a dissolution, and its corrections — which only the
// organizer corrects.
bool recorded_by_organizer_office(const pb::Event& e);

// The stable type name of an event's body ("LaunchConferenceHeld"); "Unknown" for none.
std::string_view event_type_name(pb::Event::BodyCase body);

// "II" → "2", "5" → "5"; empty when the text is neither a number nor a Roman numeral up to XXXIX.
std::string normalize_cluster_number(std::string_view number);

}  // namespace thidua::domain
