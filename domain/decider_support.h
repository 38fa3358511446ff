#pragma once
// What the domain's deciders share of the engine's decider contract (engine/decider.h), so each says only its
// own rules: the contract's types, the empty state, events and commands as protobuf bytes, and who an actor
// (pb::Actor) is in the log's records. Deciders inherit it; the engine uses the inherited members like their
// own.

#include <string>
#include <variant>
#include <vector>

#include "domain/proto/cycle.pb.h"

namespace thidua::domain {

template <class State, class Command, class Event, class Actor, class Rejection>
struct protobuf_decider {
  using state = State;
  using command = Command;
  using event = Event;
  using actor = Actor;
  using rejection = Rejection;
  // What decide answers: the events to record, or why not.
  using decision = std::variant<std::vector<Event>, Rejection>;

  static State initial() { return {}; }
  static std::string encode(const Event& e) { return e.SerializeAsString(); }
  // Commands have no map fields, so protobuf's bytes are the same for the same command.
  static std::string encode_command(const Command& c) { return c.SerializeAsString(); }
};

struct actor_names {
  static std::string actor_unit(const pb::Actor& a) { return a.unit_id(); }
  // "<rank> <name>, <position>", as the minutes write it.
  static std::string actor_person(const pb::Actor& a);
  static std::string actor_role(const pb::Actor& a);
};

}  // namespace thidua::domain
