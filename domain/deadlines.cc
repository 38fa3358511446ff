#include "domain/deadlines.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace thidua::domain {
namespace {

std::string or_default(const std::string& set, std::uint32_t year, const char* month_day) {
  return set.empty() ? std::to_string(year) + "-" + month_day : set;
}

// What of the cycle is done, as far as its dated steps go.
struct progress {
  bool launched, all_signed, mid_year_done, all_self_assessed, summary_done, nominations_adopted, dossier;
};

std::vector<step_deadline> dated_steps(std::uint32_t year, const pb::Settings& settings, const progress& p) {
  std::vector<step_deadline> out;
  const auto& d = settings.deadlines();
  out.push_back(
      {"launch", "Phát động phong trào thi đua", or_default(d.launch_by(), year, "03-31"), p.launched});
  if (!d.pledge_signing_by().empty())
    out.push_back({"pledge_signing", "Ký giao ước thi đua", d.pledge_signing_by(), p.all_signed});
  if (!settings.skip_mid_year_review())
    out.push_back({"mid_year_review", "Sơ kết 6 tháng", or_default(d.mid_year_review_by(), year, "07-31"),
                   p.mid_year_done});
  if (!d.self_assessment_by().empty())
    out.push_back({"self_assessment", "Tự chấm điểm thi đua", d.self_assessment_by(), p.all_self_assessed});
  out.push_back({"year_end_summary", "Tổng kết năm", or_default(d.year_end_summary_by(), year, "11-30"),
                 p.summary_done});
  out.push_back({"nominations", "Bình xét, suy tôn khen thưởng",
                 or_default(d.nominations_by(), year, "12-15"), p.nominations_adopted});
  if (!d.dossier_by().empty())
    out.push_back({"dossier", "Gửi hồ sơ đề nghị khen thưởng", d.dossier_by(), p.dossier});
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.date < b.date; });
  return out;
}

// Every member has submitted its self-assessment (the summary needs them all, so a summary held says so too).
template <typename Members, typename Assessed>
bool all_assessed(const Members& members, const Assessed& has, bool summary_done) {
  if (summary_done) return true;
  if (members.empty()) return false;
  for (const auto& m : members)
    if (!has(m)) return false;
  return true;
}

}  // namespace

std::vector<step_deadline> deadlines_of(const pb::CycleView& c) {
  if (c.stage() == pb::STAGE_UNSPECIFIED || c.closed() || c.dissolved()) return {};
  const auto assessed = [&](const std::string& unit) {
    return std::any_of(c.self_assessed().begin(), c.self_assessed().end(),
                       [&](const auto& x) { return x.unit_id() == unit; });
  };
  return dated_steps(c.key().year(), c.settings(),
                     {c.launched(), c.pledge_active(), c.mid_year_done(),
                      all_assessed(c.member_unit_ids(), assessed, c.summary_done()), c.summary_done(),
                      c.nominations_adopted(), c.dossier_submitted()});
}

std::vector<step_deadline> deadlines_of(const cycle_state& c) {
  if (!c.opened || c.closed || c.dissolved) return {};
  const auto assessed = [&](const std::string& unit) { return c.self_totals.count(unit) > 0; };
  return dated_steps(
      c.key.year(), c.settings,
      {c.launched, c.pledge_active, c.mid_year_done, all_assessed(c.members, assessed, c.summary_done),
       c.summary_done, c.nominations_adopted, c.dossier_submitted});
}

std::string step_en(const std::string& step) {
  if (step == "pledge_signing") return "pledge signing";
  if (step == "mid_year_review") return "mid-year review";
  if (step == "self_assessment") return "self-assessment";
  if (step == "year_end_summary") return "year-end summary";
  if (step == "dossier") return "award dossier";
  return step;  // launch, nominations
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
