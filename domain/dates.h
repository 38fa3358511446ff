#pragma once

#include <string_view>

namespace thidua::domain {

// A calendar date written YYYY-MM-DD; with `month_only_allowed`, also YYYY-MM (a source that gives only the
// month, "tháng 3/2024"). Dates are text in the domain: it has no clock and no time zone.
// The day must exist (no 31 April, 29 February only in leap years).
bool is_date(std::string_view d, bool month_only_allowed);

// Whether a date (YYYY-MM-DD or YYYY-MM, checked by is_date) lies in [from, to], both YYYY-MM-DD; a
// month-only date lies in it when its month does.
bool date_within(std::string_view d, std::string_view from, std::string_view to);

}  // namespace thidua::domain
