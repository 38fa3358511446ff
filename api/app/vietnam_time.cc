#include "api/app/vietnam_time.h"

#include <chrono>
#include <cstdio>

namespace thidua::api {

std::string vietnam_time(std::int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> local{milliseconds{unix_ms} + hours{7}};
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> t{local - day};
  char out[40];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03d+07:00", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(t.hours().count()), static_cast<int>(t.minutes().count()),
                static_cast<int>(t.seconds().count()), static_cast<int>(t.subseconds().count()));
  return out;
}

std::string vietnam_date(std::int64_t unix_ms) {
  return vietnam_time(unix_ms).substr(0, 10);
}

std::optional<std::int64_t> vietnam_day_start_ms(std::string_view date) {
  using namespace std::chrono;
  auto number = [](std::string_view s, int& out) {
    if (s.empty() || s.size() > 4) return false;
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (date.size() == 10 && date[4] == '-' && date[7] == '-') {
    if (!number(date.substr(0, 4), y) || !number(date.substr(5, 2), m) || !number(date.substr(8, 2), d))
      return std::nullopt;
  } else {
    const auto first = date.find('/'), second = date.rfind('/');
    if (first == std::string_view::npos || first == second || first > 2 || second - first > 3 ||
        date.size() - second != 5)
      return std::nullopt;
    if (!number(date.substr(0, first), d) || !number(date.substr(first + 1, second - first - 1), m) ||
        !number(date.substr(second + 1), y))
      return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || y < 1970) return std::nullopt;
  return duration_cast<milliseconds>(sys_days{ymd}.time_since_epoch() - hours{7}).count();
}

}  // namespace thidua::api
