#pragma once
// The checks queries and subscriptions share, so a field is refused the same way wherever it appears.

#include <string>

#include "api/app/errc.h"
#include "domain/ids.h"

namespace thidua::api {

// INVALID_FIELD naming `field`, with both messages.
inline error invalid(std::string field, std::string en, std::string vi) {
  return app_error(errc::invalid_field, std::move(field), std::move(en), std::move(vi));
}

// An optional filter on an organizer, a series or a unit: empty, or an entity id (domain/ids.h).
inline bool optional_entity_id_ok(const std::string& s) {
  return s.empty() || domain::valid_entity_id(s);
}

}  // namespace thidua::api
