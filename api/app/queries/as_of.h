#pragma once
// Private to api/app's queries: answers "as of" a position or a day, from the log and the catalog's
// snapshots (catalog_projection.h), folding at most snapshot_every - 1 of a cycle's events.

#include <cstdint>
#include <optional>
#include <string>

#include "api/app/queries/query_context.h"

namespace thidua::api {

// The point in the log an answer reflects.
struct as_of_point {
  bool now = true;             // no as-of asked: the read models as they are
  std::uint64_t position = 0;  // the last position it includes (0: nothing was recorded yet)
  std::string day;             // its day in Vietnam's time (YYYY-MM-DD): what deadlines are counted from
};

// Checks and resolves an AsOf; `field` names it in errors ("get_cycle.as_of").
result<as_of_point> resolve_as_of(const query_context& c, const pb::AsOf& as_of, const std::string& field);

// A cycle as of `position`, from its view now (`now`, read from the catalog under `key`): nullopt when it
// was not opened by then. Adds the events it folded to `folded`.
result<std::optional<domain::pb::CycleView>> cycle_as_of(const query_context& c,
                                                         const domain::pb::CycleView& now,
                                                         const std::string& key, std::uint64_t position,
                                                         std::uint64_t& folded);

}  // namespace thidua::api
