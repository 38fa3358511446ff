#pragma once
// The dated steps of a cycle (cycle.md: "every deadline is a per-cycle setting with a default"): what the
// board shows as the next deadline and what is overdue; the reminders and overdue notices are timed by it.

#include <string>
#include <vector>

#include "domain/cycle_state.h"
#include "domain/proto/views.pb.h"

namespace thidua::domain {

struct step_deadline {
  // launch, pledge_signing, mid_year_review, self_assessment, year_end_summary, nominations, dossier
  std::string step;
  std::string step_vi;  // as a person says it
  std::string date;     // YYYY-MM-DD: the last day for the step
  bool done = false;
};

// The dated steps of an opened cycle, in date order (a setting's date, or the default of cycle.md in the
// cycle's year: launch by 31 Mar, mid-year review by 31 Jul unless skipped, year-end summary by 30 Nov,
// nominations by 15 Dec). The pledge's signatures, the self-assessments and the dossier have no default:
// they are owed by a date only when the settings give one. None for a closed or dissolved cycle: nothing is
// owed any more.
std::vector<step_deadline> deadlines_of(const pb::CycleView& cycle);
// The same of a cycle's state (the deadline timers, domain/deadline_timers.h).
std::vector<step_deadline> deadlines_of(const cycle_state& cycle);

// The step as an English sentence says it: "mid-year review", "pledge signing".
std::string step_en(const std::string& step);

// Whole days from `today` to `date` (both YYYY-MM-DD): negative when the date has passed.
int days_between(const std::string& today, const std::string& date);

// Days since 1970-01-01 of a YYYY-MM-DD date (0 when it is not one: callers pass validated dates), and back.
long day_number(const std::string& date);
std::string date_of_day(long day);

}  // namespace thidua::domain
