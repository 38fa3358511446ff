#include "storage/validate.h"

#include <string>

namespace thidua::storage {
namespace {

error fail(errc code, std::string message) {
  return make_error(code, std::move(message));
}

bool stream_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '/' || c == '-';
}

}  // namespace

std::optional<error> check_stream_id(std::string_view id, const log_options& o) {
  if (id.empty()) return fail(errc::invalid_stream_id, "stream_id: must not be empty");
  if (id.size() > o.max_id_bytes)
    return fail(errc::invalid_stream_id,
                "stream_id: longer than " + std::to_string(o.max_id_bytes) + " bytes");
  for (char c : id)
    if (!stream_char(c))
      return fail(errc::invalid_stream_id, "stream_id: only A-Z a-z 0-9 . _ : / - are allowed");
  return std::nullopt;
}

std::optional<error> check_id(std::string_view id, std::string_view field, bool required,
                              const log_options& o) {
  const bool command = field == "command_id";
  const errc code = command ? errc::invalid_command_id : errc::invalid_argument;
  if (id.empty()) {
    if (required) return fail(code, std::string(field) + ": must not be empty");
    return std::nullopt;
  }
  const std::size_t max = command ? o.max_command_id_bytes : o.max_id_bytes;
  if (id.size() > max)
    return fail(code, std::string(field) + ": longer than " + std::to_string(max) + " bytes");
  for (char c : id)
    if (c <= 0x20 || c >= 0x7f)
      return fail(code, std::string(field) + ": only printable ASCII without spaces");
  return std::nullopt;
}

std::optional<error> check_append(const append_request& r, const log_options& o) {
  if (auto e = check_stream_id(r.stream_id, o)) return e;
  if (auto e = check_id(r.command_id, "command_id", true, o)) return e;
  if (r.command_digest.size() > 64) return fail(errc::invalid_argument, "command_digest: at most 64 bytes");
  if (auto e = check_id(r.correlation_id, "correlation_id", false, o)) return e;
  if (auto e = check_id(r.causation_id, "causation_id", false, o)) return e;
  if (r.events.empty()) return fail(errc::empty_append, "events: an append needs at least one event");
  if (r.events.size() > o.max_events_per_append)
    return fail(errc::too_many_events,
                "events: more than " + std::to_string(o.max_events_per_append) + " events in one append");
  if (r.timers_set.size() + r.timers_cancelled.size() > o.max_events_per_append)
    return fail(errc::invalid_argument, "timers: more than " + std::to_string(o.max_events_per_append) +
                                            " timers set and cancelled in one append");
  for (const auto* list : {&r.timers_set, &r.timers_cancelled}) {
    const std::string name = list == &r.timers_set ? "timers_set" : "timers_cancelled";
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& t = (*list)[i];
      const std::string where = name + "[" + std::to_string(i) + "]";
      if (!t.stream_id.empty() && t.stream_id != r.stream_id)
        return fail(errc::invalid_argument, where + ".stream_id: a timer belongs to the append's stream");
      if (auto e = check_id(t.id, where + ".id", true, o)) return e;
      if (t.due_ms < 0) return fail(errc::invalid_argument, where + ".due_ms: must not be negative");
      if (t.payload.size() > o.max_event_bytes)
        return fail(errc::event_too_large,
                    where + ".payload: larger than " + std::to_string(o.max_event_bytes) + " bytes");
    }
  }
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    const auto& e = r.events[i];
    // Named only when something is wrong: this runs for every event of every append.
    const auto where = [i] { return "events[" + std::to_string(i) + "]"; };
    if (e.type.empty() || e.type.size() > o.max_event_type_bytes)
      return fail(errc::invalid_event_type,
                  where() + ".type: 1 to " + std::to_string(o.max_event_type_bytes) + " bytes");
    for (char c : e.type)
      if (!stream_char(c))
        return fail(errc::invalid_event_type, where() + ".type: only A-Z a-z 0-9 . _ : / -");
    if (e.payload.size() > o.max_event_bytes)
      return fail(errc::event_too_large,
                  where() + ".payload: larger than " + std::to_string(o.max_event_bytes) + " bytes");
  }
  return std::nullopt;
}

std::optional<error> check_projection_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return fail(errc::invalid_argument, "projection name: 1 to 64 bytes");
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return fail(errc::invalid_argument, "projection name: only a-z 0-9 _ . -");
  return std::nullopt;
}

}  // namespace thidua::storage
