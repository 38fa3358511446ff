#pragma once
// Vietnam's time (UTC+7 all year: no daylight saving) as people there read it.

#include <cstdint>
#include <string>

namespace thidua::api {

// "2026-12-04T20:15:03.123+07:00": RFC 3339, in Vietnam's time.
std::string vietnam_time(std::int64_t unix_ms);

}  // namespace thidua::api
