#pragma once
// The contract between the engine and a workflow. The engine is written against this and nothing else: it
// would run any workflow that provides these types and functions (its tests use a bank account).

#include <concepts>
#include <cstdint>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace thidua::engine {

// A decider D supplies, as static members:
//   state, command, event, actor, rejection   types; rejection has string members code, field, message_en,
//                                              message_vi
//   initial()                                 the state of a stream with no events
//   stream_of(command)                        which stream a command acts on
//   decide(state, command, actor, now_ms)     the events to record, or a rejection; pure
//   evolve(state, event)                      the state after an event; pure and total
//   event_type(event)                         a stable type name (never a class name)
//   encode(event) / decode(type, bytes)       the payload bytes of an event
//   encode_command(command)                   the bytes of a command, the same for the same command: a repeat
//                                             of its id with other bytes is refused (COMMAND_ID_REUSED)
//   actor_unit(actor), actor_person(actor), actor_role(actor)   what the log records of who acted
template <class D>
concept decider = requires(const typename D::state& s, const typename D::command& c,
                           const typename D::event& e, const typename D::actor& a,
                           const typename D::rejection& r, std::int64_t now, std::string_view text) {
  { D::initial() } -> std::same_as<typename D::state>;
  { D::stream_of(c) } -> std::convertible_to<std::string>;
  {
    D::decide(s, c, a, now)
    } -> std::same_as<std::variant<std::vector<typename D::event>, typename D::rejection>>;
  { D::evolve(s, e) } -> std::same_as<typename D::state>;
  { D::event_type(e) } -> std::convertible_to<std::string>;
  { D::encode(e) } -> std::same_as<std::string>;
  { D::encode_command(c) } -> std::same_as<std::string>;
  { D::decode(text, text) } -> std::same_as<std::optional<typename D::event>>;
  { D::actor_unit(a) } -> std::convertible_to<std::string>;
  { D::actor_person(a) } -> std::convertible_to<std::string>;
  { D::actor_role(a) } -> std::convertible_to<std::string>;
  { r.code } -> std::convertible_to<std::string>;
  { r.field } -> std::convertible_to<std::string>;
  { r.message_en } -> std::convertible_to<std::string>;
  { r.message_vi } -> std::convertible_to<std::string>;
};

// Optional: a decider whose stream holds several subjects that clients act on apart (a series stream of many
// clusters' cycles) says what version a command's expected_version concerns — the number of events of the
// command's subject — so that a client's check neither fails on nor tells of the other subjects' events.
// Without it, the stream's version.
template <class D>
concept versions_subjects = requires(const typename D::state& s, const typename D::command& c) {
  { D::version_of(s, c) } -> std::convertible_to<std::uint64_t>;
};

// Optional: a decider whose streams keep durable timers (engine/timers.h, engine/timer_service.h).
//   timers(state, command)   every timer the command's subject wants in `state`: a range of values with
//                            `id` (a string unique in the stream: printable ASCII, no spaces), `due_ms` (UTC
//                            ms) and `fires` (the command to decide when it fires). Pure. The engine compares
//                            the timers before and after each command's events and records the difference
//                            with them, in the same write; a changed due time moves the timer.
//   decode_command(bytes)    the command encode_command wrote, or nullopt
//   timer_actor()            who acts when a timer fires (recorded as its events' actor)
// A timer's command is decided like any other, at the time it fires; its events should make the timer
// unwanted (or it is removed once it fired, having recorded nothing more).
template <class D>
concept schedules_timers = requires(const typename D::state& s, const typename D::command& c,
                                    std::string_view bytes) {
  { D::timers(s, c) } -> std::ranges::input_range;
  { D::decode_command(bytes) } -> std::same_as<std::optional<typename D::command>>;
  { D::timer_actor() } -> std::same_as<typename D::actor>;
}
&&requires(const std::ranges::range_value_t<decltype(D::timers(
               std::declval<const typename D::state&>(), std::declval<const typename D::command&>()))>& t) {
  { t.id } -> std::convertible_to<std::string>;
  { t.due_ms } -> std::convertible_to<std::int64_t>;
  { t.fires } -> std::convertible_to<typename D::command>;
};

}  // namespace thidua::engine
