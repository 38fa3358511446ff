// The cycle's deadline timers (domain/deadline_timers.h): which timers a cycle wants, when, and what their
// firing records — and each refusal: a notice from anyone but the timer, a notice for a step done, a moved
// deadline, a notice given twice, a reminder after the deadline.

#include "domain/deadline_timers.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "domain/deadlines.h"
#include "tests/domain/commands.h"
#include "tests/domain/cycle_harness.h"

namespace thidua::domain {
namespace {

using testing::cycle_harness;
using testing::organizer;
namespace cmd = testing::cmd;

const std::vector<std::string> four{"U-A", "U-B", "U-C", "U-D"};

// 2024-01-10 09:00 in Vietnam.
std::int64_t at(const std::string& date, int hour = 9) {
  return vietnam_midnight_ms(date) + hour * 3'600'000LL;
}

std::vector<std::string> timer_list(const cycle_state& s) {
  std::vector<std::string> out;
  for (const auto& t : deadline_timers(s))
    out.push_back(t.id + "@" + vietnam_date(t.due_ms) + "T" +
                  std::to_string((t.due_ms - vietnam_midnight_ms(vietnam_date(t.due_ms))) / 3'600'000) + "h");
  return out;
}

pb::Command note(pb::DeadlineNotice kind, const std::string& step, const std::string& date) {
  pb::Command c;
  c.mutable_note_deadline()->set_notice(kind);
  c.mutable_note_deadline()->set_step(step);
  c.mutable_note_deadline()->set_date(date);
  return c;
}

class deadline_timers_test : public ::testing::Test {
 protected:
  static pb::Actor chair() { return testing::as("U-A", pb::CHAIR); }
  void SetUp() override {
    h.set_now(at("2024-01-10"));
    h.ok(organizer(), cmd::open("Cụm thi đua số 7", four, "U-A", "U-B"));
  }
  cycle_harness h{cmd::key("BCA", "dia-phuong", "7", 2024)};
};

TEST(vietnam_time, days_and_midnights_are_vietnams) {
  EXPECT_EQ(vietnam_date(vietnam_midnight_ms("2024-03-31")), "2024-03-31");
  EXPECT_EQ(vietnam_date(vietnam_midnight_ms("2024-03-31") - 1), "2024-03-30");
  // 17:00 UTC is already the next day in Hà Nội.
  EXPECT_EQ(vietnam_date(1'711'904'400'000), "2024-04-01");  // 2024-03-31T17:00:00Z
  EXPECT_EQ(vietnam_midnight_ms("1970-01-01"), -7 * 3'600'000LL);
}

TEST_F(deadline_timers_test,
       an_opened_cycle_wants_a_reminder_a_week_before_and_an_overdue_notice_after_each_step) {
  EXPECT_EQ(h.state().recorded_on, "2024-01-10");
  EXPECT_EQ(timer_list(h.state()),
            (std::vector<std::string>{
                "remind:7:launch@2024-03-24T8h", "overdue:7:launch@2024-04-01T0h",
                "remind:7:mid_year_review@2024-07-24T8h", "overdue:7:mid_year_review@2024-08-01T0h",
                "remind:7:year_end_summary@2024-11-23T8h", "overdue:7:year_end_summary@2024-12-01T0h",
                "remind:7:nominations@2024-12-08T8h", "overdue:7:nominations@2024-12-16T0h"}));
  // What a timer fires: the step, the notice and the deadline, for this cycle.
  const auto first = deadline_timers(h.state()).front().fires;
  EXPECT_EQ(first.cycle().number(), "7");
  EXPECT_EQ(first.note_deadline().step(), "launch");
  EXPECT_EQ(first.note_deadline().notice(), pb::NOTICE_REMINDER);
  EXPECT_EQ(first.note_deadline().date(), "2024-03-31");
}

TEST_F(deadline_timers_test, a_done_step_a_moved_deadline_and_a_dissolved_cycle_change_the_timers) {
  h.ok(chair(), cmd::launch("2024-02-20"));
  pb::Command change;
  auto* st = change.mutable_change_settings()->mutable_settings();
  *st = h.state().settings;
  st->mutable_deadlines()->set_year_end_summary_by("2024-12-05");
  st->set_skip_mid_year_review(true);
  change.mutable_change_settings()->set_reason("Kế hoạch 12/KH-C7");
  h.ok(organizer(), change);
  // Launched: its two are gone. The review skipped: its two too. The summary's moved.
  EXPECT_EQ(timer_list(h.state()),
            (std::vector<std::string>{
                "remind:7:year_end_summary@2024-11-28T8h", "overdue:7:year_end_summary@2024-12-06T0h",
                "remind:7:nominations@2024-12-08T8h", "overdue:7:nominations@2024-12-16T0h"}));
  // A dissolved cycle owes nothing any more.
  pb::Command dissolve;
  dissolve.mutable_dissolve()->set_reason("Quyết định tổ chức lại các cụm thi đua");
  h.ok(organizer(), dissolve);
  EXPECT_TRUE(deadline_timers(h.state()).empty());
}

TEST(deadline_timers, a_cycle_recorded_after_its_deadlines_or_before_timers_existed_wants_none) {
  cycle_harness late{cmd::key("BCA", "dia-phuong", "7", 2023)};
  late.set_now(at("2024-01-10"));  // the 2023 cycle recorded in 2024: every deadline is past
  late.ok(organizer(), cmd::open("Cụm thi đua số 7", four, "U-A", "U-B"));
  EXPECT_TRUE(deadline_timers(late.state()).empty());

  cycle_state before_timers = late.state();
  before_timers.recorded_on.clear();
  before_timers.settings.mutable_deadlines()->set_nominations_by("2099-12-15");
  EXPECT_TRUE(deadline_timers(before_timers).empty());
}

TEST_F(deadline_timers_test, a_reminder_names_who_owes_the_step_and_is_given_once) {
  h.ok(chair(), cmd::launch("2024-02-20"));
  h.ok(chair(), cmd::contents());
  for (const auto& u : four) h.ok(u == "U-A" ? chair() : testing::as(u, pb::MEMBER), cmd::sign(u));
  h.ok(chair(), cmd::mid_year("2024-07-07"));
  h.ok(testing::as("U-C", pb::MEMBER), cmd::self_score("U-C", 80));
  h.set_now(at("2024-11-23", 8));
  const auto version = h.state().version;
  const auto events =
      h.ok(deadline_timer_actor(), note(pb::NOTICE_REMINDER, "year_end_summary", "2024-11-30"));
  ASSERT_EQ(events.size(), 1u);
  const auto& n = events[0].deadline_approaching();
  EXPECT_EQ(n.step_vi(), "Tổng kết năm");
  EXPECT_EQ(n.date(), "2024-11-30");
  EXPECT_EQ(n.days_left(), 7u);
  // The chair holds the summary; U-C has submitted its self-assessment, the others have not.
  EXPECT_EQ(std::vector<std::string>(n.owing_unit_ids().begin(), n.owing_unit_ids().end()),
            (std::vector<std::string>{"U-A", "U-B", "U-D"}));
  EXPECT_EQ(cycle_decider::event_type(events[0]), "DeadlineApproaching");
  // A notice is not a record a client acts on: the cycle's version (expected_version) stays.
  EXPECT_EQ(h.state().version, version);
  // Given: no timer wants it, and a second firing records nothing.
  for (const auto& t : deadline_timers(h.state())) EXPECT_NE(t.id, "remind:7:year_end_summary");
  EXPECT_TRUE(
      h.ok(deadline_timer_actor(), note(pb::NOTICE_REMINDER, "year_end_summary", "2024-11-30")).empty());
}

TEST_F(deadline_timers_test, an_overdue_notice_is_recorded_only_after_the_deadline_for_a_step_still_owed) {
  h.set_now(at("2024-03-31", 23));  // still the last day
  EXPECT_TRUE(h.ok(deadline_timer_actor(), note(pb::NOTICE_OVERDUE, "launch", "2024-03-31")).empty());
  h.set_now(at("2024-04-01", 0));
  const auto events = h.ok(deadline_timer_actor(), note(pb::NOTICE_OVERDUE, "launch", "2024-03-31"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].step_overdue().step(), "launch");
  EXPECT_EQ(std::vector<std::string>(events[0].step_overdue().owing_unit_ids().begin(),
                                     events[0].step_overdue().owing_unit_ids().end()),
            (std::vector<std::string>{"U-A"}));
  // A reminder that comes after the deadline passed says nothing: the overdue notice said it.
  EXPECT_TRUE(h.ok(deadline_timer_actor(), note(pb::NOTICE_REMINDER, "launch", "2024-03-31")).empty());
}

TEST_F(deadline_timers_test, notices_for_a_done_step_or_a_moved_deadline_record_nothing) {
  h.ok(chair(), cmd::launch("2024-02-20"));
  h.set_now(at("2024-04-02"));
  EXPECT_TRUE(h.ok(deadline_timer_actor(), note(pb::NOTICE_OVERDUE, "launch", "2024-03-31")).empty());
  // The summary's deadline is 2024-11-30: a notice for another date is for a deadline that moved.
  h.set_now(at("2024-12-02"));
  EXPECT_TRUE(
      h.ok(deadline_timer_actor(), note(pb::NOTICE_OVERDUE, "year_end_summary", "2024-11-29")).empty());
  EXPECT_TRUE(h.ok(deadline_timer_actor(), note(pb::NOTICE_OVERDUE, "no_such_step", "2024-11-30")).empty());
}

// The settings' signing, self-assessment and dossier deadlines: owed by the units whose own act each is.
class set_deadlines_test : public deadline_timers_test {
 protected:
  void SetUp() override {
    h.set_now(at("2024-01-10"));
    pb::Command open = cmd::open("Cụm thi đua số 7", four, "U-A", "U-B");
    auto* d = open.mutable_open()->mutable_settings()->mutable_deadlines();
    d->set_pledge_signing_by("2024-03-15");
    d->set_self_assessment_by("2024-11-10");
    d->set_dossier_by("2024-12-20");
    h.ok(organizer(), open);
  }
  static std::vector<std::string> owing(const google::protobuf::RepeatedPtrField<std::string>& ids) {
    return {ids.begin(), ids.end()};
  }
};

TEST_F(set_deadlines_test, each_set_deadline_wants_its_two_timers_and_a_step_done_drops_them) {
  const auto timers = timer_list(h.state());
  for (const char* want :
       {"remind:7:pledge_signing@2024-03-08T8h", "overdue:7:pledge_signing@2024-03-16T0h",
        "remind:7:self_assessment@2024-11-03T8h", "overdue:7:self_assessment@2024-11-11T0h",
        "remind:7:dossier@2024-12-13T8h", "overdue:7:dossier@2024-12-21T0h"})
    EXPECT_NE(std::find(timers.begin(), timers.end(), want), timers.end()) << want;
  EXPECT_EQ(timers.size(), 14u) << "the four defaults' eight and these six";

  h.ok(chair(), cmd::launch("2024-02-20"));
  h.ok(chair(), cmd::contents());
  for (const auto& u : four) h.ok(u == "U-A" ? chair() : testing::as(u, pb::MEMBER), cmd::sign(u));
  for (const auto& t : deadline_timers(h.state())) EXPECT_EQ(t.id.find(":pledge_signing"), std::string::npos);
}

TEST_F(set_deadlines_test, signing_is_owed_by_the_members_that_have_not_signed_and_nobody_else) {
  h.ok(chair(), cmd::launch("2024-02-20"));
  h.ok(chair(), cmd::contents());
  h.ok(chair(), cmd::sign("U-A"));
  h.ok(testing::as("U-C", pb::MEMBER), cmd::sign("U-C"));
  h.set_now(at("2024-03-08", 8));
  const auto reminder =
      h.ok(deadline_timer_actor(), note(pb::NOTICE_REMINDER, "pledge_signing", "2024-03-15"));
  ASSERT_EQ(reminder.size(), 1u);
  EXPECT_EQ(reminder[0].deadline_approaching().step_vi(), "Ký giao ước thi đua");
  EXPECT_EQ(owing(reminder[0].deadline_approaching().owing_unit_ids()),
            (std::vector<std::string>{"U-B", "U-D"}))
      << "the chair signed: it owes nothing";
  h.ok(testing::as("U-B", pb::MEMBER), cmd::sign("U-B"));
  h.set_now(at("2024-03-16", 0));
  const auto overdue = h.ok(deadline_timer_actor(), note(pb::NOTICE_OVERDUE, "pledge_signing", "2024-03-15"));
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(owing(overdue[0].step_overdue().owing_unit_ids()), (std::vector<std::string>{"U-D"}));
  h.ok(testing::as("U-D", pb::MEMBER), cmd::sign("U-D"));
  EXPECT_TRUE(h.ok(deadline_timer_actor(), note(pb::NOTICE_OVERDUE, "pledge_signing", "2024-03-15")).empty())
      << "every member signed: nothing is owed";
}

TEST_F(set_deadlines_test, self_assessment_is_owed_by_the_members_without_one_and_the_dossier_by_the_chair) {
  h.ok(chair(), cmd::launch("2024-02-20"));
  h.ok(chair(), cmd::contents());
  for (const auto& u : four) h.ok(u == "U-A" ? chair() : testing::as(u, pb::MEMBER), cmd::sign(u));
  h.ok(chair(), cmd::mid_year("2024-07-07"));
  h.ok(chair(), cmd::self_score("U-A", 90));
  h.ok(testing::as("U-C", pb::MEMBER), cmd::self_score("U-C", 80));
  h.set_now(at("2024-11-11", 0));
  const auto overdue =
      h.ok(deadline_timer_actor(), note(pb::NOTICE_OVERDUE, "self_assessment", "2024-11-10"));
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].step_overdue().step_vi(), "Tự chấm điểm thi đua");
  EXPECT_EQ(owing(overdue[0].step_overdue().owing_unit_ids()), (std::vector<std::string>{"U-B", "U-D"}))
      << "the chair assessed itself: it does not owe the others' self-assessments";
  EXPECT_EQ(owing_units(h.state(), "dossier"), (std::vector<std::string>{"U-A"}));
  h.set_now(at("2024-12-21", 0));
  const auto dossier = h.ok(deadline_timer_actor(), note(pb::NOTICE_OVERDUE, "dossier", "2024-12-20"));
  ASSERT_EQ(dossier.size(), 1u);
  EXPECT_EQ(dossier[0].step_overdue().step_vi(), "Gửi hồ sơ đề nghị khen thưởng");
  EXPECT_EQ(owing(dossier[0].step_overdue().owing_unit_ids()), (std::vector<std::string>{"U-A"}));
}

TEST_F(deadline_timers_test, only_the_servers_timer_records_a_notice) {
  h.set_now(at("2024-04-02"));
  EXPECT_EQ(h.refused(organizer(), note(pb::NOTICE_OVERDUE, "launch", "2024-03-31")), "FORBIDDEN_ROLE");
  EXPECT_EQ(h.last_rejection().field, "note_deadline");
  EXPECT_EQ(h.refused(testing::as("U-A", pb::CHAIR), note(pb::NOTICE_OVERDUE, "launch", "2024-03-31")),
            "FORBIDDEN_ROLE");
  // A unit named like the timer but with a role (a token's actor always has one) is not the timer.
  auto imposter = deadline_timer_actor();
  imposter.set_role(pb::MEMBER);
  EXPECT_EQ(h.refused(imposter, note(pb::NOTICE_OVERDUE, "launch", "2024-03-31")), "FORBIDDEN_ROLE");
  EXPECT_EQ(h.refused(deadline_timer_actor(), note(pb::DEADLINE_NOTICE_UNSPECIFIED, "launch", "2024-03-31")),
            "MISSING_FIELD");
}

}  // namespace
}  // namespace thidua::domain
