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

}  // namespace thidua::api
