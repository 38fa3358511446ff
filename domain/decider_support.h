#pragma once
// What the domain's deciders share of the engine's decider contract (engine/decider.h), so each says only its
// own rules: events and commands as protobuf bytes, and who an actor (pb::Actor) is in the log's records.
// Deciders inherit it; the engine calls the inherited functions like their own.

#include <string>

#include "domain/proto/cycle.pb.h"

namespace thidua::domain {

template <class Command, class Event>
struct protobuf_codec {
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
