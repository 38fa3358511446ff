#pragma once
// Vietnam's time (UTC+7 all year: no daylight saving) as people there read it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace thidua::api {

// "2026-12-04T20:15:03.123+07:00": RFC 3339, in Vietnam's time.
std::string vietnam_time(std::int64_t unix_ms);
// "2026-12-04": the day in Vietnam.
std::string vietnam_date(std::int64_t unix_ms);

// The first millisecond (UTC ms since the epoch) of a day in Vietnam, the day written as people write it:
// "2024-06-30" or "30/6/2024" ("30/06/2024"). nullopt when it is neither, or no such day.
std::optional<std::int64_t> vietnam_day_start_ms(std::string_view date);

}  // namespace thidua::api
