#pragma once
// How the wire says every failure, whichever layer it comes from: one exhaustive table over storage::errc,
// engine::errc and api::errc (error_table.cc; a value added to any of them without a row here does not
// compile). docs/api.md, "Error codes", is this table for people.

#include <string>
#include <string_view>

#include "api/app/errc.h"
#include "api/wire/proto/wire.pb.h"
#include "storage/result.h"

namespace thidua::api {

struct wire_error {
  std::string_view code;        // as clients see it: "BUSY", "UNAVAILABLE", or a decider's own code
  unsigned http_status;         // for the same error on HTTP
  bool retryable;               // the same request may succeed later, unchanged (same command_id)
  std::string_view metric;      // thidua_commands_total{result}: "rejected" (the request) or "failed" (ours)
  std::string_view field;       // named when the error does not name a field itself
  std::string_view message_vi;  // when the error carries no Vietnamese message of its own
};

// The row of an error (for a decider's refusal: its code, from engine::rejection_detail).
wire_error wire_error_of(const error& e);
wire_error wire_error_of(errc e);

// The Error frame body of an error: code, field, message, Vietnamese message (the error's own, else the
// row's), actual version.
pb::Error to_wire(const error& e);
// The Error body of an application error the transport says itself (app_error, straight to the wire).
pb::Error api_error(errc code, std::string field, std::string en, std::string vi);

}  // namespace thidua::api
