// The dated steps of a cycle: defaults of cycle.md, a setting's own date, a skipped mid-year review, and
// nothing owed once the cycle is closed.

#include "domain/deadlines.h"

#include <gtest/gtest.h>

namespace thidua::domain {
namespace {

pb::CycleView opened_2024() {
  pb::CycleView v;
  v.mutable_key()->set_year(2024);
  v.set_stage(pb::OPENED);
  return v;
}

std::vector<std::string> dates(const std::vector<step_deadline>& d) {
  std::vector<std::string> out;
  for (const auto& s : d) out.push_back(s.step + "@" + s.date + (s.done ? "+" : ""));
  return out;
}

TEST(deadlines, an_opened_cycle_owes_the_four_dated_steps_of_cycle_md_by_default) {
  EXPECT_EQ(dates(deadlines_of(opened_2024())),
            (std::vector<std::string>{"launch@2024-03-31", "mid_year_review@2024-07-31",
                                      "year_end_summary@2024-11-30", "nominations@2024-12-15"}));
}

TEST(deadlines, a_setting_moves_its_step_a_skipped_review_is_not_owed_and_done_steps_say_so) {
  auto v = opened_2024();
  v.mutable_settings()->mutable_deadlines()->set_launch_by("2024-02-15");
  v.mutable_settings()->mutable_deadlines()->set_nominations_by(
      "2024-11-20");  // before the summary's default
  v.mutable_settings()->set_skip_mid_year_review(true);
  v.set_launched(true);
  EXPECT_EQ(dates(deadlines_of(v)), (std::vector<std::string>{"launch@2024-02-15+", "nominations@2024-11-20",
                                                              "year_end_summary@2024-11-30"}));
}

TEST(deadlines,
     signatures_self_assessments_and_the_dossier_are_owed_by_a_date_only_when_the_settings_give_one) {
  auto v = opened_2024();
  v.add_member_unit_ids("U-A");
  v.add_member_unit_ids("U-B");
  auto* d = v.mutable_settings()->mutable_deadlines();
  d->set_pledge_signing_by("2024-04-15");
  d->set_self_assessment_by("2024-11-10");
  d->set_dossier_by("2024-12-20");
  EXPECT_EQ(dates(deadlines_of(v)),
            (std::vector<std::string>{"launch@2024-03-31", "pledge_signing@2024-04-15",
                                      "mid_year_review@2024-07-31", "self_assessment@2024-11-10",
                                      "year_end_summary@2024-11-30", "nominations@2024-12-15",
                                      "dossier@2024-12-20"}));
  // One self-assessment of two is not the step done; both are. The pledge in force is every signature.
  auto* a = v.add_self_assessed();
  a->set_unit_id("U-A");
  v.set_pledge_active(true);
  v.set_dossier_submitted(true);
  EXPECT_EQ(dates(deadlines_of(v))[1], "pledge_signing@2024-04-15+");
  EXPECT_EQ(dates(deadlines_of(v))[3], "self_assessment@2024-11-10");
  EXPECT_EQ(dates(deadlines_of(v))[6], "dossier@2024-12-20+");
  v.add_self_assessed()->set_unit_id("U-B");
  EXPECT_EQ(dates(deadlines_of(v))[3], "self_assessment@2024-11-10+");
}

TEST(deadlines, a_closed_dissolved_or_unopened_cycle_owes_nothing) {
  auto closed = opened_2024();
  closed.set_closed(true);
  auto dissolved = opened_2024();
  dissolved.set_dissolved(true);
  EXPECT_TRUE(deadlines_of(closed).empty());
  EXPECT_TRUE(deadlines_of(dissolved).empty());
  EXPECT_TRUE(deadlines_of(pb::CycleView{}).empty());
}

TEST(deadlines, days_between_counts_calendar_days_across_months_and_leap_years) {
  EXPECT_EQ(days_between("2024-02-28", "2024-03-01"), 2);  // 2024 is a leap year
  EXPECT_EQ(days_between("2023-02-28", "2023-03-01"), 1);
  EXPECT_EQ(days_between("2024-04-05", "2024-03-31"), -5);
  EXPECT_EQ(days_between("2024-07-31", "2024-07-31"), 0);
}

}  // namespace
}  // namespace thidua::domain
