#pragma once
// Why the application refused or failed a request (docs/api.md, "Error codes"). Values are stable. How the
// wire says each one (code, HTTP status, retryability, metrics label) is api/wire/error_table.cc.

#include <string>
#include <system_error>

#include "storage/error_category.h"

#include "storage/result.h"

namespace thidua::api {

enum class errc {
  ok = 0,
  missing_field = 1,            // a request lacks a field it needs; error::field names it
  invalid_field = 2,            // a field is malformed or out of range; error::field names it
  malformed_frame = 3,          // not a ClientFrame at all (bad JSON, unknown field, bad protobuf)
  bad_request = 4,              // an HTTP request the server cannot parse
  method_not_allowed = 5,       // an HTTP method the route does not serve
  unauthenticated = 6,          // no token, an unknown or a revoked one
  forbidden = 7,                // the token may not read or do that
  not_found = 8,                // no such cycle, stream or subscription
  duplicate_subscription = 9,   // the connection already has a subscription with that id
  too_many_subscriptions = 10,  // the connection's subscription limit
  rate_limited = 11,            // more frames than the connection may send
  read_model_behind = 12,       // at_least_position was not reached in time
  unavailable = 13,             // the server cannot serve this now (stopping, serves no queries)
  internal = 14,                // the server failed; nothing was changed
  already_exists = 15,          // what the request would make exists already (a backup's name)
};

}  // namespace thidua::api

THIDUA_ERRC_ENUM(thidua::api, api_category);

namespace thidua::api {

// The Vietnamese message of an application error, said where the error happens (error::message is English).
struct localized final : error_detail {
  std::string message_vi;
};

// An application error with the field it names and both messages.
error app_error(errc code, std::string field, std::string en, std::string vi);
// The Vietnamese message an error carries itself, or null.
inline const std::string* message_vi_of(const error& e) {
  const auto* l = e.detail_as<localized>();
  return l ? &l->message_vi : nullptr;
}

}  // namespace thidua::api
