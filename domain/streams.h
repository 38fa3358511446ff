#pragma once
// The one place that says what kind a stream is and how its events' payloads decode: a cycle's stream
// ("cycles/<organizer>/<series>/<year>", pb::Event), the registry ("registry", pb::RegistryEvent), or a
// stream the domain does not decode (the API's "tokens", the inboxes' "inbox/<inbox>"). Read models, read
// access and the API's envelopes all ask here.

#include <string>
#include <string_view>
#include <variant>

#include "domain/proto/cycle.pb.h"
#include "domain/proto/registry.pb.h"

namespace thidua::domain {

enum class stream_kind { cycle, registry, other };
stream_kind kind_of_stream(std::string_view stream);

// A cycle stream's organizer, or empty when `stream` is not a cycle's.
std::string organizer_of_cycle_stream(std::string_view stream);
bool is_registry_stream(std::string_view stream);
// An inbox's own stream, where its people's read marks are recorded (api/app/inbox_decider.h):
// "inbox/<inbox>"; and back, empty when `stream` is not an inbox's. Its kind is `other`: the domain decodes
// none of its events.
std::string inbox_stream(std::string_view inbox);
std::string inbox_of_stream(std::string_view stream);

// An event of the domain decoded by its stream's kind: a cycle's or the registry's event, or nothing (a
// stream the domain does not know, or — with `kind` cycle or registry — a payload that does not decode).
struct decoded_event {
  stream_kind kind = stream_kind::other;
  std::variant<std::monostate, pb::Event, pb::RegistryEvent> event;
  bool undecodable() const { return kind != stream_kind::other && event.index() == 0; }
};
decoded_event decode_event(std::string_view stream, std::string_view type, std::string_view payload);

// The cluster (normalized number) a cycle event's payload belongs to, read without decoding the rest: the
// read side asks it of every event it hands out. Empty when the payload has none.
std::string cluster_of_cycle_payload(std::string_view payload);

}  // namespace thidua::domain
