#include "api/app/envelope.h"

#include "domain/streams.h"
#include "engine/command_id.h"

namespace thidua::api {

pb::EventEnvelope envelope_of(const storage::stored_event& e) {
  const auto& r = e.record;
  pb::EventEnvelope env;
  env.set_position(r.position());
  env.set_stream_id(r.stream_id());
  env.set_stream_version(r.stream_version());
  env.set_type(r.event_type());
  env.set_recorded_at_ms(r.recorded_at_ms());
  env.set_actor_unit_id(r.actor().unit_id());
  env.set_actor_person(r.actor().person());
  env.set_actor_role(r.actor().role());
  // The id the client chose, without the scope that keeps it apart from other clients' ids.
  env.set_command_id(std::string(engine::client_command_id(r.command_id())));
  env.set_hash(storage::to_hex(e.hash));
  auto decoded = domain::decode_event(r.stream_id(), r.event_type(), r.payload());
  if (auto* cycle = std::get_if<domain::pb::Event>(&decoded.event)) *env.mutable_cycle() = std::move(*cycle);
  if (auto* registry = std::get_if<domain::pb::RegistryEvent>(&decoded.event))
    *env.mutable_registry() = std::move(*registry);
  // An inbox's read marks (the API's own events, which the domain does not decode).
  if (!domain::inbox_of_stream(r.stream_id()).empty() && !env.mutable_inbox()->ParseFromString(r.payload()))
    env.clear_inbox();
  return env;
}

}  // namespace thidua::api
