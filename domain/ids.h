#pragma once
// What an id looks like, said once for every layer that checks one: the deciders when a command names a unit
// or a cluster, the application when a query, a subscription or a command carries one.

#include <cstddef>
#include <string_view>

namespace thidua::domain {

// Organizer, series and unit ids (and so the parts of a cycle's key): 1–40 of [A-Za-z0-9_-].
inline constexpr std::size_t max_entity_id_bytes = 40;
bool valid_entity_id(std::string_view id);

// A subscription id, chosen by the client, unique on its connection: 1–64 of [A-Za-z0-9._-].
inline constexpr std::size_t max_subscription_id_bytes = 64;
bool valid_subscription_id(std::string_view id);

// A command id, chosen by the client (a retry reuses it): 1–128 bytes of printable ASCII without space.
inline constexpr std::size_t max_command_id_bytes = 128;
bool valid_command_id(std::string_view id);

}  // namespace thidua::domain
