#pragma once

#include <string_view>

namespace thidua::domain {

// A calendar date written YYYY-MM-DD; with `month_only_allowed`, also YYYY-MM (a source that gives only the
// month, "tháng 3/2024"). Dates are text in the domain: it has no clock and no time zone.
bool is_date(std::string_view d, bool month_only_allowed);

}  // namespace thidua::domain
