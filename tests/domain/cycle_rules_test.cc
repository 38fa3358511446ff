// Every rule of the cycle refuses the wrong thing with its code (and only then accepts the right thing).

#include <gtest/gtest.h>

#include "domain/dates.h"
#include "domain/views.h"
#include "tests/domain/commands.h"
#include "tests/domain/cycle_harness.h"

namespace thidua::testing {
namespace {

const std::vector<std::string> four = {"U-A", "U-B", "U-C", "U-D"};

class rules : public ::testing::Test {
 protected:
  cycle_harness h{cmd::key("BCA", "dia-phuong", "7", 2025)};
  pb::Actor chair = as("U-A", pb::CHAIR);
  pb::Actor vice = as("U-B", pb::VICE_CHAIR);

  void open(pb::Settings s = cmd::settings_with_criteria({{"ket_qua", 100}, {"phong_trao", 20}})) {
    h.ok(organizer(), cmd::open("Cụm thi đua số 7", four, "U-A", "U-B", std::move(s)));
  }
  void to_signed() {
    open();
    h.ok(chair, cmd::launch("2025-03-20"));
    h.ok(chair, cmd::contents());
    for (const auto& u : four) h.ok(as(u, pb::MEMBER), cmd::sign(u));
  }
  void to_scored(std::vector<unsigned> points = {90, 80, 70, 60}) {
    to_signed();
    h.ok(chair, cmd::mid_year("2025-07-10"));
    for (std::size_t i = 0; i < four.size(); ++i) {
      h.ok(as(four[i], pb::MEMBER), cmd::self_score(four[i], points[i]));
      h.ok(chair, cmd::verify(four[i], points[i]));
    }
  }
  void to_summary(std::vector<unsigned> points = {90, 80, 70, 60}) {
    to_scored(points);
    h.ok(chair, cmd::summary("2025-11-20"));
  }
  // A correction of the event at stream version `version` of `on`'s history (default: h), with the target the
  // server would find at its log position (a stand-in here); none past the history or for version 0.
  pb::Command correction(std::uint64_t version, const std::string& type,
                         const cycle_harness* on = nullptr) const {
    const auto& history = (on ? on : &h)->history();
    pb::Command c;
    c.mutable_correction()->set_corrects_position(100 + version);
    if (version > 0 && version <= history.size()) {
      const pb::Event& e = history[version - 1];
      auto* target = c.mutable_correction()->mutable_target();
      target->set_stream_version(version);
      target->set_cluster(e.cluster());
      target->set_type(cycle_decider::event_type(e));
      target->set_by_organizer_office(domain::recorded_by_organizer_office(e));
    }
    c.mutable_correction()->set_corrects_event_type(type);
    c.mutable_correction()->set_reason("sai địa điểm: Hưng Yên");
    return c;
  }
  void to_adopted() {
    to_summary();
    h.ok(chair, cmd::vote(pb::GOVERNMENT_FLAG, {{"U-A", 4, 0, 0}}, 4));
    h.ok(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 3, 1, 0}, {"U-C", 3, 0, 1}}, 4));
    h.ok(chair, cmd::adopt());
  }
};

TEST_F(rules, a_malformed_cycle_key_is_refused) {
  pb::Command c = cmd::open("x", four, "U-A", "U-B");
  *c.mutable_cycle() = cmd::key("BCA", "dia phuong", "7", 2025);
  EXPECT_EQ(h.refused(organizer(), c), "INVALID_CYCLE_KEY");
  *c.mutable_cycle() = cmd::key("BCA", "dia-phuong", "VIIII-", 2025);
  EXPECT_EQ(h.refused(organizer(), c), "INVALID_CYCLE_KEY");
  *c.mutable_cycle() = cmd::key("BCA", "dia-phuong", "7", 1999);
  EXPECT_EQ(h.refused(organizer(), c), "INVALID_CYCLE_KEY");
}

TEST_F(rules, observers_do_nothing) {
  EXPECT_EQ(h.refused(as("UBND-LaiChau", pb::OBSERVER), cmd::open("x", four, "U-A", "U-B")),
            "FORBIDDEN_ROLE");
  open();
  EXPECT_EQ(h.refused(as("U-A", pb::OBSERVER), cmd::launch("2025-03-20")), "FORBIDDEN_ROLE");
}

TEST_F(rules, only_the_organizers_office_opens_a_cycle_and_only_once) {
  EXPECT_EQ(h.refused(chair, cmd::open("x", four, "U-A", "U-B")), "NOT_ORGANIZER");
  EXPECT_EQ(h.refused(organizer("CA-tinh-Nam-Dinh"), cmd::open("x", four, "U-A", "U-B")), "NOT_ORGANIZER");
  open();
  EXPECT_EQ(h.refused(organizer(), cmd::open("x", four, "U-A", "U-B")), "CYCLE_ALREADY_OPEN");
}

TEST_F(rules, membership_chair_and_vice_chair_are_checked_at_open) {
  EXPECT_EQ(h.refused(organizer(), cmd::open("x", {"U-A"}, "U-A", "")), "TOO_FEW_MEMBERS");
  EXPECT_EQ(h.refused(organizer(), cmd::open("x", {"U-A", "U-A", "U-B"}, "U-A", "U-B")), "DUPLICATE_MEMBER");
  EXPECT_EQ(h.refused(organizer(), cmd::open("x", four, "U-Z", "U-B")), "NOT_A_MEMBER");
  EXPECT_EQ(h.refused(organizer(), cmd::open("x", four, "U-A", "U-Z")), "NOT_A_MEMBER");
  EXPECT_EQ(h.refused(organizer(), cmd::open("x", four, "U-A", "U-A")), "CHAIR_IS_VICE_CHAIR");
  EXPECT_EQ(h.refused(organizer(), cmd::open("", four, "U-A", "U-B")), "MISSING_FIELD");
  open();
}

TEST_F(rules, nothing_happens_in_a_cycle_that_is_not_open) {
  EXPECT_EQ(h.refused(chair, cmd::launch("2025-03-20")), "CYCLE_NOT_OPEN");
  EXPECT_EQ(h.refused(as("U-A", pb::MEMBER), cmd::sign("U-A")), "CYCLE_NOT_OPEN");
}

TEST_F(rules, the_launch_conference_is_the_chairs_and_happens_once) {
  open();
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), cmd::launch("2025-03-20")), "NOT_CHAIR");
  EXPECT_EQ(h.refused(as("U-C", pb::CHAIR), cmd::launch("2025-03-20")), "NOT_CHAIR")
      << "claiming the role is not enough";
  EXPECT_EQ(h.refused(chair, cmd::launch("19/03/2025")), "INVALID_DATE");
  h.ok(vice, cmd::launch("2025-03-20"));  // the vice chair stands in
  EXPECT_EQ(h.refused(chair, cmd::launch("2025-03-20")), "ALREADY_RECORDED");
}

TEST_F(rules, pledge_contents_come_after_the_launch_and_before_any_signature) {
  open();
  EXPECT_EQ(h.refused(chair, cmd::contents()), "STEP_OUT_OF_ORDER");
  h.ok(chair, cmd::launch("2025-03-20"));
  EXPECT_EQ(h.refused(chair, cmd::contents({})), "MISSING_FIELD");
  pb::Command bad = cmd::contents();
  auto* t = bad.mutable_adopt_pledge_contents()->mutable_contents(0)->add_targets();
  t->set_metric("crime_reduction_pct");
  t->set_comparator("about");
  EXPECT_EQ(h.refused(chair, bad), "INVALID_TARGET");
  h.ok(chair, cmd::contents());
  EXPECT_EQ(h.refused(chair, cmd::contents()), "ALREADY_RECORDED");
}

TEST_F(rules, each_member_signs_its_own_pledge_once_and_the_pledge_activates_when_all_have) {
  open();
  h.ok(chair, cmd::launch("2025-03-20"));
  EXPECT_EQ(h.refused(as("U-A", pb::MEMBER), cmd::sign("U-A")), "STEP_OUT_OF_ORDER");
  h.ok(chair, cmd::contents());
  EXPECT_EQ(h.refused(as("U-B", pb::MEMBER), cmd::sign("U-C")), "NOT_OWN_UNIT");
  EXPECT_EQ(h.refused(organizer(), cmd::sign("U-C")), "NOT_OWN_UNIT");
  EXPECT_EQ(h.refused(as("U-Z", pb::MEMBER), cmd::sign("U-Z")), "NOT_A_MEMBER");
  EXPECT_EQ(h.refused(as("U-A", pb::MEMBER), cmd::sign("U-A", "")), "MISSING_FIELD");
  h.ok(as("U-A", pb::MEMBER), cmd::sign("U-A"));
  EXPECT_EQ(h.refused(as("U-A", pb::MEMBER), cmd::sign("U-A")), "PLEDGE_ALREADY_SIGNED");
  EXPECT_EQ(h.refused(chair, cmd::contents()), "PLEDGE_ALREADY_SIGNED");
  h.ok(as("U-B", pb::MEMBER), cmd::sign("U-B"));
  h.ok(as("U-C", pb::MEMBER), cmd::sign("U-C"));
  EXPECT_FALSE(h.state().pledge_active);
  auto last = h.ok(as("U-D", pb::MEMBER), cmd::sign("U-D"));
  ASSERT_EQ(last.size(), 2u);
  EXPECT_TRUE(last[1].has_pledge_activated());
  EXPECT_TRUE(h.state().pledge_active);
}

TEST_F(rules, a_units_role_in_a_cycle_comes_from_the_cycle_not_from_its_token) {
  to_signed();
  // U-C's token says CHAIR (it chairs another cluster), but here U-C is a member: no chair's step ...
  EXPECT_EQ(h.refused(as("U-C", pb::CHAIR), cmd::mid_year("2025-07-10")), "NOT_CHAIR");
  // ... yet it records its own unit's contribution as a member.
  pb::Command gift;
  auto* k = gift.mutable_activity()->add_contributions();
  k->set_unit_id("U-C");
  k->set_amount_vnd(20'000'000);
  h.ok(as("U-C", pb::CHAIR), gift);
  EXPECT_EQ(h.refused(as("U-C", pb::CHAIR), cmd::self_score("U-D", 10)), "STEP_OUT_OF_ORDER");
  // U-A chairs this cycle, whatever its token was minted as.
  h.ok(as("U-A", pb::MEMBER), cmd::mid_year("2025-07-10"));
  EXPECT_EQ(h.refused(as("U-D", pb::VICE_CHAIR), cmd::verify("U-C", 10)), "NOT_CHAIR")
      << "U-B is this cycle's vice chair, not U-D";
}

TEST_F(rules, activities_record_whole_positive_amounts_for_members) {
  to_signed();
  pb::Command gift;
  auto* k = gift.mutable_activity()->add_contributions();
  k->set_unit_id("U-C");
  k->set_amount_vnd(0);
  EXPECT_EQ(h.refused(chair, gift), "INVALID_AMOUNT");
  k->set_amount_vnd(50'000'000);
  EXPECT_EQ(h.refused(as("U-D", pb::MEMBER), gift), "NOT_OWN_UNIT");
  k->set_unit_id("U-Z");
  EXPECT_EQ(h.refused(chair, gift), "NOT_A_MEMBER");
  k->set_unit_id("U-C");
  h.ok(as("U-C", pb::MEMBER), gift);
  EXPECT_EQ(h.state().contributions_vnd, 50'000'000);
}

TEST_F(rules, no_mid_year_review_before_the_pledge_is_active_or_when_the_cycle_holds_none) {
  open();
  h.ok(chair, cmd::launch("2025-03-20"));
  h.ok(chair, cmd::contents());
  EXPECT_EQ(h.refused(chair, cmd::mid_year("2025-07-10")), "STEP_OUT_OF_ORDER");
  for (const auto& u : four) h.ok(as(u, pb::MEMBER), cmd::sign(u));
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), cmd::mid_year("2025-07-10")), "NOT_CHAIR");
  h.ok(chair, cmd::mid_year("2025-07-10"));
  EXPECT_EQ(h.refused(chair, cmd::mid_year("2025-07-10")), "ALREADY_RECORDED");

  cycle_harness skip(cmd::key("BCA", "dia-phuong", "8", 2025));
  pb::Settings s = cmd::settings_with_criteria({{"ket_qua", 100}});
  s.set_skip_mid_year_review(true);
  skip.ok(organizer(), cmd::open("Cụm 8", four, "U-A", "U-B", s));
  EXPECT_EQ(skip.refused(chair, cmd::mid_year("2025-07-10")), "MID_YEAR_REVIEW_NOT_HELD");
}

TEST_F(rules, self_assessment_is_own_once_within_the_criteria_and_after_the_mid_year_review) {
  to_signed();
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), cmd::self_score("U-C", 50)), "STEP_OUT_OF_ORDER");
  h.ok(chair, cmd::mid_year("2025-07-10"));
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), cmd::self_score("U-D", 50)), "NOT_OWN_UNIT");
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), cmd::self_score("U-C", 101)), "SCORE_ABOVE_MAXIMUM");
  EXPECT_NE(h.last_rejection().message_vi.find("tối đa 100"), std::string::npos);
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), cmd::self_score("U-C", 10, "bogus")), "UNKNOWN_CRITERION");
  pb::Command twice = cmd::self_score("U-C", 10);
  *twice.mutable_self_assessment()->add_scores() = twice.self_assessment().scores(0);
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), twice), "DUPLICATE_CRITERION");
  h.ok(as("U-C", pb::MEMBER), cmd::self_score("U-C", 100));
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), cmd::self_score("U-C", 90)), "ALREADY_RECORDED");
}

TEST_F(rules, verified_scores_need_a_self_assessment_and_the_chair) {
  to_signed();
  h.ok(chair, cmd::mid_year("2025-07-10"));
  EXPECT_EQ(h.refused(chair, cmd::verify("U-C", 50)), "SELF_ASSESSMENT_MISSING");
  h.ok(as("U-C", pb::MEMBER), cmd::self_score("U-C", 60));
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), cmd::verify("U-C", 50)), "NOT_CHAIR");
  EXPECT_EQ(h.refused(chair, cmd::verify("U-C", 21, "phong_trao")), "SCORE_ABOVE_MAXIMUM");
  h.ok(chair, cmd::verify("U-C", 55));
}

TEST_F(rules, the_year_end_summary_needs_every_score_and_ranks_by_verified_scores) {
  to_signed();
  h.ok(chair, cmd::mid_year("2025-07-10"));
  EXPECT_EQ(h.refused(chair, cmd::summary("2025-11-20")), "SELF_ASSESSMENT_MISSING");
  // Each unit claims 100; the chair verifies lower, and the ranking follows the verified figures.
  const std::vector<unsigned> verified = {70, 95, 80, 95};
  for (std::size_t i = 0; i < four.size(); ++i) h.ok(as(four[i], pb::MEMBER), cmd::self_score(four[i], 100));
  EXPECT_EQ(h.refused(chair, cmd::summary("2025-11-20")), "SCORES_NOT_VERIFIED");
  for (std::size_t i = 0; i < four.size(); ++i) h.ok(chair, cmd::verify(four[i], verified[i]));
  h.ok(chair, cmd::summary("2025-11-20"));
  const auto& ranking = h.state().ranking;
  ASSERT_EQ(ranking.size(), 4u);
  EXPECT_EQ(ranking[0].unit_id(), "U-B");
  EXPECT_EQ(ranking[0].rank(), 1u);
  EXPECT_EQ(ranking[1].unit_id(), "U-D");
  EXPECT_EQ(ranking[1].rank(), 1u) << "equal totals share a rank";
  EXPECT_EQ(ranking[2].rank(), 3u);
  EXPECT_EQ(ranking[3].unit_id(), "U-A");
  EXPECT_EQ(h.refused(chair, cmd::summary("2025-11-20")), "ALREADY_RECORDED");
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), cmd::self_score("U-C", 1)), "ALREADY_RECORDED");
}

TEST_F(rules, no_vote_before_the_year_end_summary) {
  to_scored();
  EXPECT_EQ(h.refused(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 4, 0, 0}}, 4)), "STEP_OUT_OF_ORDER");
}

TEST_F(rules, the_vote_needs_its_quorum_and_the_threshold_decides_who_passes) {
  to_summary();
  EXPECT_EQ(h.refused(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 3, 0, 0}}, 3)), "QUORUM_NOT_MET")
      << "default quorum: all members present";
  EXPECT_EQ(h.refused(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 3, 1, 1}}, 4)), "INVALID_VOTE");
  EXPECT_EQ(h.refused(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 1, 0, 0}}, 5)), "INVALID_VOTE");
  // Two of four in favour is not more than half.
  auto events = h.ok(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 2, 2, 0}, {"U-C", 3, 1, 0}}, 4));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].nomination_vote_recorded().results(0).passed());
  EXPECT_TRUE(events[0].nomination_vote_recorded().results(1).passed());
  EXPECT_FALSE(h.state().nominated.count("U-B"));
  EXPECT_EQ(h.state().nominated.at("U-C"), pb::MINISTRY_FLAG);
}

TEST_F(rules, quorum_and_threshold_are_settings) {
  pb::Settings s = cmd::settings_with_criteria({{"ket_qua", 100}});
  s.set_quorum_percent(75);
  s.set_pass_threshold_percent(66);
  open(s);
  h.ok(chair, cmd::launch("2025-03-20"));
  h.ok(chair, cmd::contents());
  for (const auto& u : four) h.ok(as(u, pb::MEMBER), cmd::sign(u));
  h.ok(chair, cmd::mid_year("2025-07-10"));
  for (const auto& u : four) {
    h.ok(as(u, pb::MEMBER), cmd::self_score(u, 50));
    h.ok(chair, cmd::verify(u, u == "U-A" ? 60 : 50));
  }
  h.ok(chair, cmd::summary("2025-11-20"));
  EXPECT_EQ(h.refused(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 2, 0, 0}}, 2)), "QUORUM_NOT_MET");
  auto events = h.ok(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 2, 1, 0}, {"U-C", 3, 0, 0}}, 3));
  EXPECT_FALSE(events[0].nomination_vote_recorded().results(0).passed()) << "2/4 = 50% is not above 66%";
  EXPECT_TRUE(events[0].nomination_vote_recorded().results(1).passed()) << "3/4 = 75% is above 66%";
}

TEST_F(rules, one_government_flag_nominee_and_only_the_top_ranked_unit) {
  to_summary();  // U-A leads with 90
  EXPECT_EQ(h.refused(chair, cmd::vote(pb::GOVERNMENT_FLAG, {{"U-B", 4, 0, 0}}, 4)),
            "GOVERNMENT_FLAG_NOT_TOP_RANKED");
  EXPECT_EQ(h.refused(chair, cmd::vote(pb::GOVERNMENT_FLAG, {{"U-A", 4, 0, 0}, {"U-B", 4, 0, 0}}, 4)),
            "GOVERNMENT_FLAG_LIMIT");
  h.ok(chair, cmd::vote(pb::GOVERNMENT_FLAG, {{"U-A", 4, 0, 0}}, 4));
  EXPECT_EQ(h.refused(chair, cmd::vote(pb::GOVERNMENT_FLAG, {{"U-A", 4, 0, 0}}, 4)), "GOVERNMENT_FLAG_LIMIT");
}

TEST_F(rules, one_award_form_per_unit_per_cycle) {
  to_summary();
  h.ok(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 4, 0, 0}}, 4));
  EXPECT_EQ(h.refused(chair, cmd::vote(pb::CERTIFICATE_OF_MERIT, {{"U-B", 4, 0, 0}}, 4)),
            "UNIT_ALREADY_NOMINATED");
  EXPECT_EQ(h.refused(chair, cmd::vote(pb::CERTIFICATE_OF_MERIT, {{"U-C", 4, 0, 0}, {"U-C", 4, 0, 0}}, 4)),
            "UNIT_ALREADY_NOMINATED");
  EXPECT_EQ(h.refused(chair, cmd::vote(pb::CERTIFICATE_OF_MERIT, {{"U-Z", 4, 0, 0}}, 4)), "NOT_A_MEMBER");
}

TEST_F(rules, the_cap_on_ministry_flags_is_a_setting) {
  pb::Settings s = cmd::settings_with_criteria({{"ket_qua", 100}});
  s.set_max_ministry_flags(1);
  cycle_harness capped(cmd::key("BCA", "dia-phuong", "9", 2025));
  capped.ok(organizer(), cmd::open("Cụm 9", four, "U-A", "U-B", s));
  capped.ok(chair, cmd::launch("2025-03-20"));
  capped.ok(chair, cmd::contents());
  for (const auto& u : four) capped.ok(as(u, pb::MEMBER), cmd::sign(u));
  capped.ok(chair, cmd::mid_year("2025-07-10"));
  for (const auto& u : four) {
    capped.ok(as(u, pb::MEMBER), cmd::self_score(u, 10));
    capped.ok(chair, cmd::verify(u, 10));
  }
  capped.ok(chair, cmd::summary("2025-11-20"));
  EXPECT_EQ(capped.refused(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 4, 0, 0}, {"U-C", 4, 0, 0}}, 4)),
            "MINISTRY_FLAG_LIMIT");
}

TEST_F(rules, nominations_are_adopted_once_from_passed_votes_and_then_no_more_votes) {
  to_summary();
  EXPECT_EQ(h.refused(chair, cmd::adopt()), "NO_NOMINEES");
  h.ok(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 4, 0, 0}}, 4));
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), cmd::adopt()), "NOT_CHAIR");
  h.ok(chair, cmd::adopt());
  EXPECT_EQ(h.refused(chair, cmd::adopt()), "ALREADY_RECORDED");
  EXPECT_EQ(h.refused(chair, cmd::vote(pb::CERTIFICATE_OF_MERIT, {{"U-C", 4, 0, 0}}, 4)),
            "STEP_OUT_OF_ORDER");
}

TEST_F(rules, the_dossier_names_documents_by_sha256) {
  to_summary();
  pb::Command d;
  auto* doc = d.mutable_dossier()->add_documents();
  doc->set_name("Tờ trình đề nghị khen thưởng");
  doc->set_kind("to_trinh");
  doc->set_sha256(std::string(64, 'a'));
  EXPECT_EQ(h.refused(chair, d), "STEP_OUT_OF_ORDER");
  h.ok(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 4, 0, 0}}, 4));
  h.ok(chair, cmd::adopt());
  doc->set_sha256("ABC");
  EXPECT_EQ(h.refused(chair, d), "INVALID_SHA256");
  doc->set_sha256(std::string(64, 'F'));
  EXPECT_EQ(h.refused(chair, d), "INVALID_SHA256") << "lowercase hex only";
  doc->set_sha256(std::string(64, 'f'));
  h.ok(chair, d);
}

TEST_F(rules, the_handover_names_two_different_members_for_next_year_and_can_be_voided) {
  to_scored();
  EXPECT_EQ(h.refused(chair, cmd::handover(2026, "U-B", "U-C")), "STEP_OUT_OF_ORDER");
  h.ok(chair, cmd::summary("2025-11-20"));
  EXPECT_EQ(h.refused(chair, cmd::handover(2027, "U-B", "U-C")), "INVALID_YEAR");
  EXPECT_EQ(h.refused(chair, cmd::handover(2026, "U-Z", "U-C")), "NOT_A_MEMBER");
  EXPECT_EQ(h.refused(chair, cmd::handover(2026, "U-B", "U-Z")), "NOT_A_MEMBER");
  EXPECT_EQ(h.refused(chair, cmd::handover(2026, "U-B", "U-B")), "CHAIR_IS_VICE_CHAIR");
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), cmd::handover(2026, "U-B", "U-C")), "NOT_CHAIR");
  pb::Command void_it;
  void_it.mutable_void_handover()->set_reason("Cụm được tổ chức lại năm 2026");
  EXPECT_EQ(h.refused(organizer(), void_it), "NO_HANDOVER");
  h.ok(chair, cmd::handover(2026, "U-B", "U-C"));
  EXPECT_EQ(h.refused(chair, cmd::handover(2026, "U-C", "U-D")), "ALREADY_RECORDED");
  EXPECT_EQ(h.refused(chair, void_it), "NOT_ORGANIZER");
  pb::Command no_reason;
  no_reason.mutable_void_handover();
  EXPECT_EQ(h.refused(organizer(), no_reason), "MISSING_FIELD");
  h.ok(organizer(), void_it);
  EXPECT_TRUE(h.state().next_chair.empty());
  h.ok(chair, cmd::handover(2026, "U-C", "U-D"));
  EXPECT_EQ(h.state().next_chair, "U-C");
}

TEST_F(rules, award_decisions_only_for_adopted_nominees_by_the_right_authority) {
  to_adopted();  // U-A government flag, U-B and U-C ministry flags
  EXPECT_EQ(h.refused(chair, cmd::decision("1/QĐ", pb::MINISTER, {{"U-B", pb::MINISTRY_FLAG}}, "2026-03")),
            "NOT_ORGANIZER");
  EXPECT_EQ(
      h.refused(organizer(), cmd::decision("1/QĐ", pb::MINISTER, {{"U-D", pb::MINISTRY_FLAG}}, "2026-03")),
      "NOT_NOMINATED");
  EXPECT_EQ(h.refused(organizer(),
                      cmd::decision("1/QĐ", pb::MINISTER, {{"U-B", pb::CERTIFICATE_OF_MERIT}}, "2026-03")),
            "NOT_NOMINATED");
  EXPECT_EQ(
      h.refused(organizer(), cmd::decision("1/QĐ", pb::MINISTER, {{"U-A", pb::GOVERNMENT_FLAG}}, "2026-03")),
      "WRONG_AUTHORITY");
  EXPECT_EQ(h.refused(organizer(), cmd::decision("", pb::MINISTER, {{"U-B", pb::MINISTRY_FLAG}}, "2026-03")),
            "MISSING_FIELD");
  h.ok(organizer(), cmd::decision("1/QĐ-BCA", pb::MINISTER, {{"U-B", pb::MINISTRY_FLAG}}, "2026-03"));
  EXPECT_EQ(h.refused(organizer(),
                      cmd::decision("2/QĐ-BCA", pb::MINISTER, {{"U-B", pb::MINISTRY_FLAG}}, "2026-03")),
            "ALREADY_DECIDED");
}

TEST_F(rules, close_waits_for_every_decision_and_then_only_corrections_and_revocations) {
  to_adopted();
  EXPECT_EQ(h.refused(organizer(), cmd::close()), "DECISIONS_PENDING");
  h.ok(organizer(), cmd::decision("1/QĐ-TTg", pb::PRIME_MINISTER, {{"U-A", pb::GOVERNMENT_FLAG}}, "2026-03"));
  h.ok(organizer(), cmd::decision("2/QĐ-BCA", pb::MINISTER,
                                  {{"U-B", pb::MINISTRY_FLAG}, {"U-C", pb::MINISTRY_FLAG}}, "2026-03"));
  EXPECT_EQ(h.refused(chair, cmd::close()), "NOT_ORGANIZER");
  h.ok(organizer(), cmd::close());
  EXPECT_EQ(h.refused(chair, cmd::handover(2026, "U-B", "U-C")), "CYCLE_CLOSED");
  EXPECT_EQ(h.refused(organizer(), cmd::close()), "CYCLE_CLOSED");
  pb::Command fix = correction(2, "LaunchConferenceHeld");
  h.ok(chair, fix);
  pb::Command no_reason = fix;
  no_reason.mutable_correction()->clear_reason();
  EXPECT_EQ(h.refused(chair, no_reason), "MISSING_FIELD");
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), fix), "NOT_CHAIR");

  pb::Command revoke;
  revoke.mutable_revoke_award()->set_unit_id("U-D");
  revoke.mutable_revoke_award()->set_award(pb::MINISTRY_FLAG);
  revoke.mutable_revoke_award()->set_reason("hồ sơ không trung thực");
  EXPECT_EQ(h.refused(organizer(), revoke), "NOT_GRANTED");
  revoke.mutable_revoke_award()->set_unit_id("U-B");
  EXPECT_EQ(h.refused(chair, revoke), "NOT_ORGANIZER");
  h.ok(organizer(), revoke);
  EXPECT_EQ(h.refused(organizer(), revoke), "NOT_GRANTED") << "revoked once";
}

TEST_F(rules, a_correction_names_an_event_of_this_cycle_that_the_actor_may_correct) {
  open();                                  // version 1: CycleOpened, the organizer's
  h.ok(chair, cmd::launch("2025-03-20"));  // version 2: the chair's
  cycle_harness other = h;                 // the same series-year: cluster 9 opens at version 3
  other.set_key(cmd::key("BCA", "dia-phuong", "9", 2025));
  other.ok(organizer(), cmd::open("Cụm 9", {"U-E", "U-F"}, "U-E", "U-F"));
  EXPECT_EQ(other.refused(as("U-E", pb::CHAIR), correction(2, "LaunchConferenceHeld")), "EVENT_NOT_IN_CYCLE")
      << "cluster 7's event is not cluster 9's to correct";
  EXPECT_EQ(other.last_rejection().field, "correction.corrects_position");
  EXPECT_EQ(h.refused(chair, correction(0, "LaunchConferenceHeld")), "EVENT_NOT_IN_CYCLE")
      << "the server found no event of this stream at that position";
  EXPECT_EQ(h.refused(chair, correction(3, "LaunchConferenceHeld")), "EVENT_NOT_IN_CYCLE")
      << "past the cycle";
  auto no_position = correction(2, "LaunchConferenceHeld");
  no_position.mutable_correction()->clear_corrects_position();
  EXPECT_EQ(h.refused(chair, no_position), "MISSING_FIELD");
  EXPECT_EQ(h.last_rejection().field, "correction.corrects_position");
  EXPECT_EQ(h.refused(chair, correction(2, "MidYearReviewHeld")), "EVENT_TYPE_MISMATCH");
  EXPECT_EQ(h.last_rejection().field, "correction.corrects_event_type");
  EXPECT_EQ(h.refused(chair, correction(2, "")), "EVENT_TYPE_MISMATCH");
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), correction(2, "LaunchConferenceHeld")), "NOT_CHAIR");
  EXPECT_EQ(h.refused(chair, correction(1, "CycleOpened")), "NOT_ORGANIZER") << "the organizer's record";
  EXPECT_EQ(h.last_rejection().field, "correction.corrects_position");

  h.ok(chair, correction(2, "LaunchConferenceHeld"));        // version 3 of cluster 7's stream
  h.ok(vice, correction(3, "CorrectionRecorded"));           // the chair's correction, corrected again
  h.ok(organizer(), correction(1, "CycleOpened"));           // version 5
  h.ok(organizer(), correction(2, "LaunchConferenceHeld"));  // the organizer corrects anyone's record
  EXPECT_EQ(h.refused(chair, correction(5, "CorrectionRecorded")), "NOT_ORGANIZER")
      << "the organizer's correction is the organizer's record";
  h.ok(organizer(), correction(5, "CorrectionRecorded"));
}

TEST_F(rules, a_cycle_opened_by_mistake_is_dissolved_by_the_organizer_with_a_reason_and_opened_again) {
  open();
  h.ok(chair, cmd::launch("2025-03-20"));
  cycle_harness nine = h;  // cluster 9 of the same series and year
  nine.set_key(cmd::key("BCA", "dia-phuong", "9", 2025));
  EXPECT_EQ(nine.refused(organizer(), cmd::open("Cụm 9", {"U-A", "U-E"}, "U-E", "")),
            "UNIT_IN_ANOTHER_CLUSTER");

  pb::Command dissolve;
  dissolve.mutable_dissolve()->set_reason("mở nhầm: Cụm 7 năm 2025 gồm các đơn vị khác");
  EXPECT_EQ(h.refused(chair, dissolve), "NOT_ORGANIZER");
  EXPECT_EQ(h.refused(organizer("CA-tinh-Nam-Dinh"), dissolve), "NOT_ORGANIZER");
  pb::Command no_reason;
  no_reason.mutable_dissolve();
  EXPECT_EQ(h.refused(organizer(), no_reason), "MISSING_FIELD");
  EXPECT_EQ(h.last_rejection().field, "dissolve.reason");
  h.ok(organizer(), dissolve);
  EXPECT_FALSE(h.state().opened);
  EXPECT_TRUE(h.state().dissolved);
  EXPECT_EQ(h.state().version, 3u) << "its events still count";
  EXPECT_EQ(h.refused(chair, cmd::contents()), "CYCLE_NOT_OPEN");
  EXPECT_EQ(h.refused(organizer(), dissolve), "CYCLE_NOT_OPEN");
  EXPECT_EQ(h.refused(chair, correction(2, "LaunchConferenceHeld")), "CYCLE_NOT_OPEN");

  // Its units are free for another cluster, and the cluster opens again with others.
  nine = h;
  nine.set_key(cmd::key("BCA", "dia-phuong", "9", 2025));
  nine.ok(organizer(), cmd::open("Cụm 9", {"U-A", "U-E"}, "U-E", ""));
  h = nine;
  h.set_key(cmd::key("BCA", "dia-phuong", "7", 2025));
  h.ok(organizer(), cmd::open("Cụm thi đua số 7", {"U-B", "U-C", "U-D"}, "U-B", "U-C",
                              cmd::settings_with_criteria({{"ket_qua", 100}})));
  EXPECT_TRUE(h.state().opened);
  EXPECT_FALSE(h.state().dissolved);
  EXPECT_FALSE(h.state().launched) << "nothing of the dissolved opening carries over";
  EXPECT_EQ(h.state().version, 4u);
  EXPECT_EQ(h.state().former_members, (std::set<std::string>{"U-A", "U-B", "U-C", "U-D"}));
  EXPECT_EQ(h.refused(as("U-A", pb::MEMBER), cmd::launch("2025-03-21")), "NOT_CHAIR") << "U-A chairs no more";
  h.ok(as("U-B", pb::MEMBER), cmd::launch("2025-03-21"));
}

TEST_F(rules, a_closed_cycle_is_not_dissolved_but_one_before_its_decisions_is) {
  pb::Command dissolve;
  dissolve.mutable_dissolve()->set_reason("mở nhầm");
  to_summary();
  cycle_harness nobody = h;  // proposes nobody and closes
  nobody.ok(organizer(), cmd::close());
  EXPECT_EQ(nobody.refused(organizer(), dissolve), "CYCLE_CLOSED");
  h.ok(chair, cmd::vote(pb::GOVERNMENT_FLAG, {{"U-A", 4, 0, 0}}, 4));
  h.ok(chair, cmd::adopt());
  h.ok(organizer(), dissolve);  // before any decision it still can be
  EXPECT_TRUE(h.state().dissolved);
}

TEST_F(rules, a_cycle_with_an_award_decision_is_not_dissolved) {
  pb::Command dissolve;
  dissolve.mutable_dissolve()->set_reason("mở nhầm");
  to_adopted();
  h.ok(organizer(), cmd::decision("1/QĐ-TTg", pb::PRIME_MINISTER, {{"U-A", pb::GOVERNMENT_FLAG}}, "2026-03"));
  EXPECT_EQ(h.refused(organizer(), dissolve), "DECISIONS_RECORDED");
}

// The organizer records that `unit` ceased on 1 July 2025 (merged into `successor`, or dissolved when empty).
pb::Command change(const std::string& unit, const std::string& successor,
                   const std::string& date = "2025-07-01") {
  pb::Command c;
  auto* m = c.mutable_change_membership();
  m->set_unit_id(unit);
  m->set_successor_unit_id(successor);
  m->set_effective_date(date);
  m->set_reason("Nghị quyết số 202/2025/QH15 về sắp xếp đơn vị hành chính cấp tỉnh");
  return c;
}

std::vector<std::string> inherited(const std::vector<pb::Event>& events) {
  if (events.empty() || !events.front().has_membership_changed()) return {};
  const auto& i = events.front().membership_changed().inherited();
  return {i.begin(), i.end()};
}

TEST_F(rules, a_member_merged_mid_year_is_continued_by_its_successor_with_its_records) {
  to_scored();
  EXPECT_EQ(h.refused(chair, change("U-C", "U-E")), "NOT_ORGANIZER");
  EXPECT_EQ(h.refused(organizer(), change("U-Z", "U-E")), "NOT_A_MEMBER");
  EXPECT_EQ(h.last_rejection().field, "change_membership.unit_id");
  EXPECT_EQ(h.refused(organizer(), change("U-C", "U-C")), "INVALID_SUCCESSOR");
  EXPECT_EQ(h.refused(organizer(), change("U-C", "U-E", "2026-07-01")), "DATE_OUTSIDE_CYCLE");
  EXPECT_EQ(h.refused(organizer(), change("U-C", "U-E", "")), "INVALID_DATE");
  auto no_reason = change("U-C", "U-E");
  no_reason.mutable_change_membership()->clear_reason();
  EXPECT_EQ(h.refused(organizer(), no_reason), "MISSING_FIELD");
  EXPECT_EQ(h.last_rejection().field, "change_membership.reason");

  const auto events = h.ok(organizer(), change("U-C", "U-E"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].membership_changed().successor_was_member());
  EXPECT_EQ(inherited(events),
            (std::vector<std::string>{"membership", "signature", "self_assessment", "verified_scores"}));
  EXPECT_EQ(h.state().members, (std::vector<std::string>{"U-A", "U-B", "U-E", "U-D"}));
  EXPECT_EQ(h.state().verified_totals.at("U-E"), 70u) << "U-C's verified 70 points, now U-E's";
  EXPECT_EQ(h.state().former_members, (std::set<std::string>{"U-C"}));
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), cmd::self_score("U-C", 10)), "NOT_A_MEMBER")
      << "the merged unit acts no more";
  h.ok(chair, cmd::summary("2025-11-20"));
  EXPECT_EQ(h.state().ranking[2].unit_id(), "U-E");
  h.ok(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-E", 4, 0, 0}}, 4));  // it signed through U-C
  EXPECT_EQ(h.state().nominated.at("U-E"), pb::MINISTRY_FLAG);
}

TEST_F(rules, a_nominee_merged_after_the_adoption_passes_its_award_form_to_its_successor) {
  to_adopted();  // U-A Government flag; U-B and U-C Ministry flags
  const auto events = h.ok(organizer(), change("U-A", "U-E", "2025-12-01"));
  EXPECT_EQ(inherited(events),
            (std::vector<std::string>{"membership", "chair", "signature", "self_assessment",
                                      "verified_scores", "ranking", "nomination", "adoption"}));
  EXPECT_EQ(h.state().chair, "U-E");
  EXPECT_EQ(h.refused(organizer(), cmd::decision("1/QĐ-TTg", pb::PRIME_MINISTER,
                                                 {{"U-A", pb::GOVERNMENT_FLAG}}, "2026-03")),
            "NOT_NOMINATED");
  h.ok(organizer(), cmd::decision("1/QĐ-TTg", pb::PRIME_MINISTER, {{"U-E", pb::GOVERNMENT_FLAG}}, "2026-03"));
  EXPECT_TRUE(h.state().decided.at("U-E"));
}

TEST_F(rules, a_unit_merged_into_a_member_hands_over_its_roles_and_a_unit_may_leave_without_successor) {
  open();  // U-A chair, U-B vice chair
  h.ok(chair, cmd::launch("2025-03-20"));
  h.ok(chair, cmd::contents());
  for (const auto& u : {"U-A", "U-B", "U-C"}) h.ok(as(u, pb::MEMBER), cmd::sign(u));
  // U-D has not signed; merged into U-C, which has: every member has signed now.
  auto events = h.ok(organizer(), change("U-D", "U-C"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].membership_changed().successor_was_member());
  EXPECT_TRUE(inherited(events).empty()) << "U-C keeps its own signature";
  EXPECT_TRUE(events[1].has_pledge_activated());
  EXPECT_TRUE(h.state().pledge_active);

  events = h.ok(organizer(), change("U-A", "U-B"));  // the chair into the vice chair
  EXPECT_EQ(inherited(events), (std::vector<std::string>{"chair"}));
  EXPECT_EQ(h.state().chair, "U-B");
  EXPECT_TRUE(h.state().vice_chair.empty()) << "the vice chair moved up";
  EXPECT_EQ(h.state().members, (std::vector<std::string>{"U-B", "U-C"}));
  h.ok(as("U-B", pb::MEMBER), cmd::mid_year("2025-07-10"));

  EXPECT_EQ(h.refused(organizer(), change("U-B", "")), "CHAIR_WITHOUT_SUCCESSOR");
  EXPECT_EQ(h.refused(organizer(), change("U-C", "")), "TOO_FEW_MEMBERS");
}

TEST_F(rules, a_unit_leaves_the_cycle_when_it_is_dissolved_mid_year) {
  open();
  const auto events = h.ok(organizer(), change("U-D", "", "2025-05-01"));
  EXPECT_TRUE(inherited(events).empty());
  EXPECT_EQ(h.state().members, (std::vector<std::string>{"U-A", "U-B", "U-C"}));
  EXPECT_EQ(h.state().former_members, (std::set<std::string>{"U-D"}));
}

pb::Command appraisal(const std::string& date = "2025-11-21") {
  pb::Command c;
  c.mutable_appraisal_conference()->set_date(date);
  c.mutable_appraisal_conference()->set_place("tỉnh Sơn La");
  c.mutable_appraisal_conference()->set_conclusions("thống nhất kết quả chấm điểm, thẩm định hồ sơ");
  return c;
}

TEST_F(rules, the_appraisal_conference_is_a_step_of_its_own_before_the_summary) {
  auto settings = cmd::settings_with_criteria({{"ket_qua", 100}});
  settings.set_appraisal_conference_required(true);
  open(settings);
  EXPECT_EQ(h.refused(chair, appraisal()), "STEP_OUT_OF_ORDER") << "before the pledge is in force";
  h.ok(chair, cmd::launch("2025-03-20"));
  h.ok(chair, cmd::contents());
  for (const auto& u : four) h.ok(as(u, pb::MEMBER), cmd::sign(u));
  EXPECT_EQ(h.refused(chair, appraisal()), "STEP_OUT_OF_ORDER") << "before the mid-year review";
  h.ok(chair, cmd::mid_year("2025-07-10"));
  for (std::size_t i = 0; i < four.size(); ++i) {
    h.ok(as(four[i], pb::MEMBER), cmd::self_score(four[i], 90 - 10 * static_cast<unsigned>(i)));
    h.ok(chair, cmd::verify(four[i], 90 - 10 * static_cast<unsigned>(i)));
  }
  EXPECT_EQ(h.refused(chair, cmd::summary("2025-11-25")), "STEP_OUT_OF_ORDER") << "the settings require it";
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), appraisal()), "NOT_CHAIR");
  EXPECT_EQ(h.refused(chair, appraisal("2026-11-21")), "DATE_OUTSIDE_CYCLE");
  h.ok(chair, appraisal());
  EXPECT_EQ(domain::to_view(h.state()).stage(), pb::APPRAISED);
  EXPECT_EQ(h.refused(chair, appraisal()), "ALREADY_RECORDED");
  h.ok(chair, cmd::summary("2025-11-25"));
  EXPECT_EQ(h.refused(chair, appraisal()), "STEP_OUT_OF_ORDER") << "after the summary";
}

TEST_F(rules, a_pledge_for_two_years_is_continued_by_the_second_years_cycle) {
  open();
  h.ok(chair, cmd::launch("2025-03-30"));
  auto two_years = cmd::contents();
  two_years.mutable_adopt_pledge_contents()->set_through_year(2027);
  EXPECT_EQ(h.refused(chair, two_years), "INVALID_YEAR");
  EXPECT_EQ(h.last_rejection().field, "adopt_pledge_contents.through_year");
  two_years.mutable_adopt_pledge_contents()->set_through_year(2026);
  h.ok(chair, two_years);
  for (const auto& u : four) h.ok(as(u, pb::MEMBER), cmd::sign(u));
  EXPECT_EQ(h.state().pledge_through_year, 2026u);

  cycle_harness next{cmd::key("BCA", "dia-phuong", "7", 2026)};
  next.ok(organizer(),
          cmd::open("Cụm thi đua số 7", four, "U-B", "U-C", cmd::settings_with_criteria({{"ket_qua", 100}})));
  pb::Command go_on;
  go_on.mutable_continue_pledge()->set_from_year(2025);
  auto* previous = go_on.mutable_continue_pledge()->mutable_previous();  // as the server finds it
  previous->set_in_force(true);
  previous->set_through_year(2026);
  for (const auto& u : four) previous->add_member_unit_ids(u);
  const pb::Actor next_chair = as("U-B", pb::MEMBER);
  EXPECT_EQ(next.refused(next_chair, go_on), "STEP_OUT_OF_ORDER") << "the launch comes first";
  next.ok(next_chair, cmd::launch("2026-03-20"));
  EXPECT_EQ(next.refused(as("U-A", pb::MEMBER), go_on), "NOT_CHAIR");
  auto wrong_year = go_on;
  wrong_year.mutable_continue_pledge()->set_from_year(2024);
  EXPECT_EQ(next.refused(next_chair, wrong_year), "INVALID_YEAR");
  auto none = go_on;
  none.mutable_continue_pledge()->mutable_previous()->set_in_force(false);
  EXPECT_EQ(next.refused(next_chair, none), "PLEDGE_NOT_CONTINUED");
  auto one_year = go_on;
  one_year.mutable_continue_pledge()->mutable_previous()->set_through_year(2025);
  EXPECT_EQ(next.refused(next_chair, one_year), "PLEDGE_NOT_CONTINUED");
  auto other_members = go_on;
  other_members.mutable_continue_pledge()->mutable_previous()->mutable_member_unit_ids()->RemoveLast();
  EXPECT_EQ(next.refused(next_chair, other_members), "PLEDGE_NOT_CONTINUED");
  EXPECT_NE(next.last_rejection().message_en.find("U-D"), std::string::npos)
      << next.last_rejection().message_en;

  next.ok(next_chair, go_on);
  EXPECT_TRUE(next.state().pledge_active);
  EXPECT_EQ(next.state().signed_units.size(), 4u);
  EXPECT_EQ(next.state().pledge_continued_from, 2025u);
  EXPECT_EQ(next.refused(next_chair, go_on), "ALREADY_RECORDED");
  EXPECT_EQ(next.refused(as("U-D", pb::MEMBER), cmd::sign("U-D")), "PLEDGE_ALREADY_SIGNED");
  EXPECT_EQ(next.refused(next_chair, cmd::contents()), "PLEDGE_ALREADY_SIGNED");
  next.ok(next_chair, cmd::mid_year("2026-07-10"));
}

TEST_F(rules, a_handover_may_name_only_the_next_chair_and_a_missing_unit_is_named_as_missing) {
  to_summary();
  EXPECT_EQ(h.refused(chair, cmd::handover(2026, "", "U-C")), "MISSING_FIELD");
  EXPECT_EQ(h.last_rejection().field, "hand_over_chair.next_chair_unit_id");
  EXPECT_EQ(h.last_rejection().message_en.find("unit  "), std::string::npos) << h.last_rejection().message_en;
  h.ok(chair, cmd::handover(2026, "U-B", ""));
  EXPECT_EQ(h.state().next_chair, "U-B");
  EXPECT_TRUE(h.state().next_vice_chair.empty()) << "the vice chair is chosen later";
}

TEST_F(rules, no_scores_without_criteria_and_none_that_score_nothing) {
  cycle_harness bare{cmd::key("BCA", "dia-phuong", "8", 2025)};
  bare.ok(organizer(), cmd::open("Cụm 8", four, "U-A", "U-B", pb::Settings{}));
  bare.ok(chair, cmd::launch("2025-03-20"));
  bare.ok(chair, cmd::contents());
  for (const auto& u : four) bare.ok(as(u, pb::MEMBER), cmd::sign(u));
  bare.ok(chair, cmd::mid_year("2025-07-10"));
  pb::Command nothing;
  nothing.mutable_self_assessment()->set_unit_id("U-C");
  EXPECT_EQ(bare.refused(as("U-C", pb::MEMBER), nothing), "NO_CRITERIA")
      << "without criteria every unit would tie at rank 1";

  to_signed();
  h.ok(chair, cmd::mid_year("2025-07-10"));
  EXPECT_EQ(h.refused(as("U-C", pb::MEMBER), nothing), "MISSING_FIELD");
  EXPECT_EQ(h.last_rejection().field, "scores");
}

TEST_F(rules, a_cluster_that_proposes_nobody_closes_after_its_summary) {
  to_scored();
  EXPECT_EQ(h.refused(organizer(), cmd::close()), "STEP_OUT_OF_ORDER") << "not before the summary";
  h.ok(chair, cmd::summary("2025-11-20"));
  EXPECT_EQ(h.refused(chair, cmd::adopt()), "NO_NOMINEES");
  h.ok(organizer(), cmd::close());
  EXPECT_TRUE(h.state().closed);
}

TEST_F(rules, settings_change_by_the_organizer_with_a_reason) {
  open();
  pb::Command change;
  change.mutable_change_settings()->mutable_settings()->set_quorum_percent(101);
  change.mutable_change_settings()->set_reason("điều chỉnh quy chế");
  EXPECT_EQ(h.refused(organizer(), change), "INVALID_SETTING");
  change.mutable_change_settings()->mutable_settings()->set_quorum_percent(80);
  EXPECT_EQ(h.refused(chair, change), "NOT_ORGANIZER");
  change.mutable_change_settings()->clear_reason();
  EXPECT_EQ(h.refused(organizer(), change), "MISSING_FIELD");
  change.mutable_change_settings()->set_reason("điều chỉnh quy chế");
  h.ok(organizer(), change);
  EXPECT_EQ(h.state().quorum_percent(), 80u);
}

TEST(cluster_number, roman_and_arabic_numbers_name_the_same_cluster) {
  EXPECT_EQ(domain::normalize_cluster_number("II"), "2");
  EXPECT_EQ(domain::normalize_cluster_number("ii"), "2");
  EXPECT_EQ(domain::normalize_cluster_number("2"), "2");
  EXPECT_EQ(domain::normalize_cluster_number("02"), "2");
  EXPECT_EQ(domain::normalize_cluster_number("XIV"), "14");
  EXPECT_EQ(domain::normalize_cluster_number("IX"), "9");
  EXPECT_EQ(domain::normalize_cluster_number(""), "");
  EXPECT_EQ(domain::normalize_cluster_number("2a"), "");
  EXPECT_EQ(domain::normalize_cluster_number("XL"), "");
}

}  // namespace
}  // namespace thidua::testing

namespace thidua::testing {
namespace {

TEST(dates, full_dates_and_where_allowed_months_only) {
  EXPECT_TRUE(domain::is_date("2024-03-19", false));
  EXPECT_TRUE(domain::is_date("2024-03", true));
  EXPECT_FALSE(domain::is_date("2024-03", false));
  EXPECT_FALSE(domain::is_date("2024-13-01", true));
  EXPECT_FALSE(domain::is_date("2024-02-32", true));
  EXPECT_FALSE(domain::is_date("19/03/2024", true));
  EXPECT_FALSE(domain::is_date("2024-3-19", true));
  EXPECT_FALSE(domain::is_date("", true));
  EXPECT_TRUE(domain::is_date("2024-02-29", false)) << "a leap year";
  EXPECT_TRUE(domain::is_date("2000-02-29", false));
  EXPECT_FALSE(domain::is_date("2023-02-29", false));
  EXPECT_FALSE(domain::is_date("2100-02-29", false));
  EXPECT_FALSE(domain::is_date("2025-04-31", false));
  EXPECT_TRUE(domain::is_date("2025-12-31", false));
}

TEST_F(rules, dates_fall_in_the_window_of_the_cycles_year) {
  // Opening: its date and its deadlines are the year's steps (1 Oct 2024 – 31 Mar 2026 for 2025).
  pb::Command early = cmd::open("Cụm thi đua số 7", four, "U-A", "U-B");
  early.mutable_open()->set_date("2024-09-30");
  EXPECT_EQ(h.refused(organizer(), early), "DATE_OUTSIDE_CYCLE");
  EXPECT_EQ(h.last_rejection().field, "open.date");
  EXPECT_NE(h.last_rejection().message_vi.find("từ 2024-10-01 đến 2026-03-31"), std::string::npos)
      << h.last_rejection().message_vi;
  pb::Command late_deadline = cmd::open("Cụm thi đua số 7", four, "U-A", "U-B");
  late_deadline.mutable_open()->mutable_settings()->mutable_deadlines()->set_launch_by("2027-03-31");
  EXPECT_EQ(h.refused(organizer(), late_deadline), "DATE_OUTSIDE_CYCLE");
  EXPECT_EQ(h.last_rejection().field, "open.settings.deadlines.launch_by");
  pb::Command late_dossier = cmd::open("Cụm thi đua số 7", four, "U-A", "U-B");
  late_dossier.mutable_open()->mutable_settings()->mutable_deadlines()->set_dossier_by("2026-04-01");
  EXPECT_EQ(h.refused(organizer(), late_dossier), "DATE_OUTSIDE_CYCLE");
  EXPECT_EQ(h.last_rejection().field, "open.settings.deadlines.dossier_by");
  // A deadline is a day: "2025-05" would leave its timers no day to fire on.
  pb::Command month_deadline = cmd::open("Cụm thi đua số 7", four, "U-A", "U-B");
  month_deadline.mutable_open()->mutable_settings()->mutable_deadlines()->set_pledge_signing_by("2025-05");
  EXPECT_EQ(h.refused(organizer(), month_deadline), "INVALID_DATE");
  EXPECT_EQ(h.last_rejection().field, "open.settings.deadlines.pledge_signing_by");
  month_deadline.mutable_open()->mutable_settings()->mutable_deadlines()->set_pledge_signing_by("");
  month_deadline.mutable_open()->mutable_settings()->mutable_deadlines()->set_self_assessment_by("2025-11");
  EXPECT_EQ(h.refused(organizer(), month_deadline), "INVALID_DATE");
  EXPECT_EQ(h.last_rejection().field, "open.settings.deadlines.self_assessment_by");
  pb::Command no_quorum = cmd::open("Cụm thi đua số 7", four, "U-A", "U-B");
  no_quorum.mutable_open()->mutable_settings()->set_quorum_percent(150);
  EXPECT_EQ(h.refused(organizer(), no_quorum), "INVALID_SETTING");
  EXPECT_EQ(h.last_rejection().field, "open.settings");
  early.mutable_open()->set_date("2024-10");  // a month is enough where the source gives only the month
  *early.mutable_open()->mutable_settings() = cmd::settings_with_criteria({{"ket_qua", 100}});
  h.ok(organizer(), early);

  EXPECT_EQ(h.refused(chair, cmd::launch("2026-04-01")), "DATE_OUTSIDE_CYCLE");
  EXPECT_EQ(h.last_rejection().field, "launch_conference.date");
  EXPECT_EQ(h.refused(chair, cmd::launch("2025-02-29")), "INVALID_DATE") << "2025 is no leap year";
  EXPECT_EQ(h.refused(chair, cmd::launch("2024-09")), "DATE_OUTSIDE_CYCLE");
  h.ok(chair, cmd::launch("2024-10-01"));
  h.ok(chair, cmd::contents());
  for (const auto& u : four) h.ok(as(u, pb::MEMBER), cmd::sign(u));
  pb::Command activity;
  activity.mutable_activity()->set_date("2023-05-19");
  activity.mutable_activity()->set_kind("sports_meet");
  EXPECT_EQ(h.refused(chair, activity), "DATE_OUTSIDE_CYCLE");
  EXPECT_EQ(h.last_rejection().field, "activity.date");
  EXPECT_EQ(h.refused(chair, cmd::mid_year("2026-04")), "DATE_OUTSIDE_CYCLE");
  h.ok(chair, cmd::mid_year("2025-07"));
  for (const auto& u : four) {
    h.ok(as(u, pb::MEMBER), cmd::self_score(u, 80));
    h.ok(chair, cmd::verify(u, u == "U-A" ? 90 : 80));
  }
  h.ok(chair, cmd::summary("2026-03-31"));  // a summary early the next year
  auto handover = cmd::handover(2026, "U-B", "U-C");
  handover.mutable_hand_over_chair()->set_date("2026-04-01");
  EXPECT_EQ(h.refused(chair, handover), "DATE_OUTSIDE_CYCLE");
  EXPECT_EQ(h.last_rejection().field, "hand_over_chair.date");
  h.ok(chair, cmd::handover(2026, "U-B", "U-C"));
  h.ok(chair, cmd::vote(pb::MINISTRY_FLAG, {{"U-B", 4, 0, 0}}, 4));
  EXPECT_EQ(h.refused(chair, cmd::adopt("2026-04")), "DATE_OUTSIDE_CYCLE");
  EXPECT_EQ(h.last_rejection().field, "adopt_nominations.date");
  h.ok(chair, cmd::adopt("2025-11-20"));
  pb::Command dossier;
  dossier.mutable_dossier()->set_date("2027-01-05");
  auto* doc = dossier.mutable_dossier()->add_documents();
  doc->set_name("Tờ trình");
  doc->set_sha256(std::string(64, 'a'));
  EXPECT_EQ(h.refused(chair, dossier), "DATE_OUTSIDE_CYCLE");
  EXPECT_EQ(h.last_rejection().field, "dossier.date");

  // Decisions and the close: 1 Jan 2025 – 31 Dec 2027.
  EXPECT_EQ(h.refused(organizer(),
                      cmd::decision("1/QĐ-BCA", pb::MINISTER, {{"U-B", pb::MINISTRY_FLAG}}, "2024-12-31")),
            "DATE_OUTSIDE_CYCLE");
  EXPECT_EQ(h.last_rejection().field, "award_decision.date");
  EXPECT_NE(h.last_rejection().message_en.find("2025-01-01 to 2027-12-31"), std::string::npos)
      << h.last_rejection().message_en;
  h.ok(organizer(), cmd::decision("1/QĐ-BCA", pb::MINISTER, {{"U-B", pb::MINISTRY_FLAG}}, "2027-12-31"));
  EXPECT_EQ(h.refused(organizer(), cmd::close("2028-01")), "DATE_OUTSIDE_CYCLE");
  EXPECT_EQ(h.last_rejection().field, "close.date");
  h.ok(organizer(), cmd::close("2027-12"));
}

}  // namespace
}  // namespace thidua::testing
