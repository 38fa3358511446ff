#include "api/app/errc.h"

#include <array>
#include <cstddef>
#include <memory>

#include "storage/error_category.h"

namespace thidua::api {
namespace {

// Indexed by value: one message per errc, in the enum's order.
constexpr std::array<const char*, 16> messages{
    "ok",                                    // ok
    "a required field is missing",           // missing_field
    "a field is malformed or out of range",  // invalid_field
    "not a ClientFrame",                     // malformed_frame
    "the HTTP request cannot be parsed",     // bad_request
    "method not allowed",                    // method_not_allowed
    "unauthenticated",                       // unauthenticated
    "forbidden",                             // forbidden
    "not found",                             // not_found
    "duplicate subscription id",             // duplicate_subscription
    "too many subscriptions",                // too_many_subscriptions
    "rate limited",                          // rate_limited
    "the read models are behind",            // read_model_behind
    "unavailable",                           // unavailable
    "internal error",                        // internal
    "already exists",                        // already_exists
};

}  // namespace

const std::error_category& api_category() noexcept {
  return errc_category_instance<errc::already_exists>("thidua.api", messages);
}

error app_error(errc code, std::string field, std::string en, std::string vi) {
  error e = make_error(code, std::move(en));
  e.field = std::move(field);
  auto detail = std::make_shared<localized>();
  detail->message_vi = std::move(vi);
  e.detail = std::move(detail);
  return e;
}

}  // namespace thidua::api
