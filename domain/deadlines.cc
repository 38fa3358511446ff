#include "domain/deadlines.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace thidua::domain {
namespace {

std::string or_default(const std::string& set, std::uint32_t year, const char* month_day) {
  return set.empty() ? std::to_string(year) + "-" + month_day : set;
}

std::vector<step_deadline> dated_steps(std::uint32_t year, const pb::Settings& settings, bool launched,
                                       bool mid_year_done, bool summary_done, bool nominations_adopted) {
  std::vector<step_deadline> out;
  const auto& d = settings.deadlines();
  out.push_back(
      {"launch", "Phát động phong trào thi đua", or_default(d.launch_by(), year, "03-31"), launched});
  if (!settings.skip_mid_year_review())
    out.push_back({"mid_year_review", "Sơ kết 6 tháng", or_default(d.mid_year_review_by(), year, "07-31"),
                   mid_year_done});
  out.push_back(
      {"year_end_summary", "Tổng kết năm", or_default(d.year_end_summary_by(), year, "11-30"), summary_done});
  out.push_back({"nominations", "Bình xét, suy tôn khen thưởng",
                 or_default(d.nominations_by(), year, "12-15"), nominations_adopted});
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.date < b.date; });
  return out;
}

}  // namespace

std::vector<step_deadline> deadlines_of(const pb::CycleView& c) {
  if (c.stage() == pb::STAGE_UNSPECIFIED || c.closed() || c.dissolved()) return {};
  return dated_steps(c.key().year(), c.settings(), c.launched(), c.mid_year_done(), c.summary_done(),
                     c.nominations_adopted());
}

std::vector<step_deadline> deadlines_of(const cycle_state& c) {
  if (!c.opened || c.closed || c.dissolved) return {};
  return dated_steps(c.key.year(), c.settings, c.launched, c.mid_year_done, c.summary_done,
                     c.nominations_adopted);
}

long day_number(const std::string& date) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(date.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) return 0;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

std::string date_of_day(long day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

int days_between(const std::string& today, const std::string& date) {
  return static_cast<int>(day_number(date) - day_number(today));
}

}  // namespace thidua::domain
