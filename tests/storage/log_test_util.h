#pragma once

#include <string>
#include <vector>

#include "storage/event_log.h"

namespace thidua::testing {

inline storage::append_request make_append(
    std::string stream, std::string command_id, int events = 1,
    storage::expected_version expected = storage::expected_version::any(), std::size_t payload_bytes = 16) {
  storage::append_request r;
  r.stream_id = std::move(stream);
  r.command_id = std::move(command_id);
  r.expected = expected;
  r.recorded_at_ms = 1'700'000'000'000;
  r.actor.set_unit_id("unit-1");
  r.actor.set_person("Đại tá Nguyễn Văn A");
  r.actor.set_role("chair");
  for (int i = 0; i < events; ++i) {
    std::string payload(payload_bytes, static_cast<char>('a' + i % 26));
    r.events.push_back({"Thing.Happened", std::move(payload)});
  }
  return r;
}

inline storage::append_request with_digest(storage::append_request r, std::string digest) {
  r.command_digest = std::move(digest);
  return r;
}

}  // namespace thidua::testing
