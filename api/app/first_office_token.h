#pragma once
// The first account of a new installation (docs/operations.md, "The first account"): an empty log has no
// token, so nobody could issue one through the API. Configured with the organizer's office to start with, the
// server issues that office a token at its start while the log holds no token at all — recorded as an event
// like any other, by the server — and writes the secret to a file only the server's user reads, for the
// operator to take and then delete. Once any token exists it does nothing.

#include <cstdint>
#include <string>

#include "storage/event_log.h"

namespace thidua::api {

struct first_office {
  std::string organizer_id;  // "BCA"
  std::string unit_id;       // "BCA-X03"
  std::string person;        // who will hold it
};

// "BCA/BCA-X03" → organizer and unit; false when it is not two non-empty parts.
bool parse_first_office(const std::string& text, first_office& into);

// True when it issued the token (its secret now in `secret_file`, mode 0600, synced before the token is
// recorded: a crash between the two leaves no token, and the next start writes the file again); false when
// the log holds a token already.
result<bool> issue_first_office_token(storage::event_log& log, const first_office& office,
                                      std::int64_t now_ms, const std::string& secret_file);

}  // namespace thidua::api
