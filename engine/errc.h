#pragma once

#include <memory>
#include <string>
#include <system_error>

#include "storage/error_category.h"

#include "storage/result.h"

namespace thidua::engine {

// Why the engine refused or failed a command or query. Values are stable.
enum class errc {
  ok = 0,
  rejected = 1,                    // the decider refused the command: its rejection_detail says why
  conflict_retries_exhausted = 2,  // the stream kept moving under us; the caller may retry
  undecodable_event = 3,           // a stored event's payload does not decode for this decider
  timeout = 4,
  stopped = 5,
  busy = 6,  // too many commands wait on this stream (or from this caller on it); retry in a moment
};

}  // namespace thidua::engine

THIDUA_ERRC_ENUM(thidua::engine, engine_category);

namespace thidua::engine {

// What a decider said when it refused a command (errc::rejected), beside error::message (English) and
// error::field.
struct rejection_detail final : error_detail {
  std::string code;  // the decider's stable code, e.g. "NOT_CHAIR"
  std::string message_vi;
};

// The error of a decider's refusal `r` (errc::rejected): its English message, field, code and Vietnamese
// message.
template <class Rejection>
error rejection_error(const Rejection& r) {
  error e = make_error(errc::rejected, r.message_en);
  e.field = r.field;
  auto detail = std::make_shared<rejection_detail>();
  detail->code = r.code;
  detail->message_vi = r.message_vi;
  e.detail = std::move(detail);
  return e;
}

// The rejection an error carries, or null when it is not a decider's refusal.
inline const rejection_detail* rejection_of(const error& e) {
  return e.detail_as<rejection_detail>();
}

}  // namespace thidua::engine
