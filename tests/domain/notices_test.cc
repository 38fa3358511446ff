// Whom each event of a cycle concerns (domain/notices.h), over the whole Cluster II 2023 cycle: each inbox
// gets exactly its notices, no unit hears of its own act, and the sentences name units by name.

#include "domain/notices.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "tests/domain/cluster_ii_script.h"

namespace thidua::testing {
namespace {

using inboxes = std::map<std::string, std::vector<domain::notice>>;

std::string display_name(const std::string& unit) {
  if (unit == "CA-SonLa") return "Công an tỉnh Sơn La";
  if (unit == "CA-LaiChau") return "Công an tỉnh Lai Châu";
  return unit;
}

// Runs the script through the decider and hands each event, with the audience before it, to notices_of.
inboxes notices_of_cluster_ii() {
  cycle_harness h(cluster_ii_key());
  pb::NoticeAudience audience;
  inboxes out;
  for (auto& [actor, c] : cluster_ii_script()) {
    for (const auto& e : h.ok(actor, c)) {
      for (auto& n : domain::notices_of(audience, e, display_name)) out[n.inbox].push_back(std::move(n));
      domain::fold_audience(audience, e);
    }
  }
  return out;
}

std::vector<std::string> kinds(const std::vector<domain::notice>& notices) {
  std::vector<std::string> k;
  for (const auto& n : notices) k.push_back(n.kind);
  return k;
}

TEST(notices, a_member_hears_exactly_what_concerns_it_through_the_cycle) {
  const auto all = notices_of_cluster_ii();
  const auto& son_la = all.at("CA-SonLa");
  const std::vector<std::string> expected{
      "cycle_opened",        "launch_held",     "pledge_to_sign",        "pledge_signed",  "pledge_signed",
      "pledge_signed",       "pledge_signed",   "pledge_signed",         "pledge_signed",  "pledge_in_force",
      "self_assessment_due", "scores_verified", "year_end_summary_held", "vote_result",    "vote_result",
      "vote_result",         "nominated",       "chair_handed_over",     "award_decision", "award_granted",
      "cycle_closed"};
  EXPECT_EQ(kinds(son_la), expected);
  for (const auto& n : son_la) {
    // Its own signature is not news to it; the peers' are, by name.
    if (n.kind == "pledge_signed") {
      EXPECT_EQ(n.text_vi.find("Sơn La"), std::string::npos) << n.text_vi;
    }
    EXPECT_FALSE(n.text_vi.empty());
    EXPECT_FALSE(n.text_en.empty());
  }
  const auto action = [&](const std::string& kind) {
    for (const auto& n : son_la)
      if (n.kind == kind) return n.needs_action;
    return false;
  };
  EXPECT_TRUE(action("pledge_to_sign"));
  EXPECT_TRUE(action("self_assessment_due"));
  EXPECT_FALSE(action("pledge_signed"));
  EXPECT_NE(son_la[1].text_vi.find("ngày 20/3/2023"), std::string::npos) << son_la[1].text_vi;
  EXPECT_NE(son_la[0].text_vi.find("Cụm trưởng: Công an tỉnh Lai Châu"), std::string::npos);
}

TEST(notices, the_chair_verifies_each_other_members_self_assessment_and_sends_the_dossier) {
  const auto all = notices_of_cluster_ii();
  int to_verify = 0;
  bool dossier = false;
  for (const auto& n : all.at("CA-LaiChau")) {
    if (n.kind == "scores_to_verify") {
      ++to_verify;
      EXPECT_TRUE(n.needs_action);
      EXPECT_EQ(n.text_vi.find("Lai Châu"), std::string::npos) << "not its own: " << n.text_vi;
    }
    dossier = dossier || (n.kind == "dossier_to_submit" && n.needs_action);
    EXPECT_NE(n.kind, "nominations_adopted") << "the chair hears the adoption once, as its task";
  }
  EXPECT_EQ(to_verify, 6) << "the six other members";
  EXPECT_TRUE(dossier);
  for (const auto& u : cluster_ii_members()) {
    if (u == "CA-LaiChau") continue;
    for (const auto& n : all.at(u)) EXPECT_NE(n.kind, "scores_to_verify") << u << " is not the chair";
  }
}

TEST(notices, the_organizers_office_hears_the_nominations_and_the_handover_not_the_members_business) {
  const auto all = notices_of_cluster_ii();
  EXPECT_EQ(kinds(all.at(domain::office_inbox("BCA"))),
            (std::vector<std::string>{"nominations_adopted", "chair_handed_over"}));
  EXPECT_EQ(all.size(), cluster_ii_members().size() + 1) << "the members and the office, nobody else";
  const auto& known = domain::notice_kinds();
  for (const auto& [inbox, notices] : all)
    for (const auto& n : notices)
      EXPECT_NE(std::find(known.begin(), known.end(), n.kind), known.end()) << n.kind << " is not listed";
}

TEST(notices, deadlines_go_to_the_units_that_owe_the_step_and_overdue_also_to_the_office) {
  pb::NoticeAudience a;
  a.mutable_key()->set_organizer_id("BCA");
  a.mutable_key()->set_year(2023);
  *a.add_member_unit_ids() = "CA-SonLa";
  *a.add_member_unit_ids() = "CA-LaiChau";
  pb::Event e;
  auto* d = e.mutable_deadline_approaching();
  d->set_step("year_end_summary");
  d->set_step_vi("Tổng kết năm");
  d->set_date("2023-11-30");
  d->set_days_left(7);
  *d->add_owing_unit_ids() = "CA-SonLa";
  auto n = domain::notices_of(a, e, display_name);
  ASSERT_EQ(n.size(), 1u) << "only the unit that owes it";
  EXPECT_EQ(n[0].inbox, "CA-SonLa");
  EXPECT_TRUE(n[0].needs_action);
  EXPECT_EQ(n[0].text_vi, "Còn 7 ngày đến hạn Tổng kết năm (30/11/2023): đơn vị chưa hoàn thành.");

  pb::Event overdue;
  overdue.mutable_step_overdue()->set_step("year_end_summary");
  overdue.mutable_step_overdue()->set_date("2023-11-30");
  *overdue.mutable_step_overdue()->add_owing_unit_ids() = "CA-LaiChau";
  n = domain::notices_of(a, overdue, display_name);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].inbox, "CA-LaiChau");
  EXPECT_EQ(n[1].inbox, "office:BCA");
}

TEST(notices, an_activity_record_tells_nobody_and_a_merger_tells_the_successor) {
  pb::NoticeAudience a;
  a.mutable_key()->set_organizer_id("BCA");
  *a.add_member_unit_ids() = "CA-HaGiang";
  *a.add_member_unit_ids() = "CA-LaiChau";
  a.set_chair_unit_id("CA-HaGiang");
  pb::Event activity;
  activity.mutable_activity_recorded()->mutable_details()->set_kind("sports_meet");
  EXPECT_TRUE(domain::notices_of(a, activity, display_name).empty());

  pb::Event merged;
  auto* m = merged.mutable_membership_changed()->mutable_details();
  m->set_unit_id("CA-HaGiang");
  m->set_successor_unit_id("CA-TuyenQuang");
  m->set_effective_date("2025-07-01");
  const auto n = domain::notices_of(a, merged, display_name);
  ASSERT_EQ(kinds(n), (std::vector<std::string>{"membership_changed", "membership_changed",
                                                "membership_changed", "membership_changed"}));
  EXPECT_EQ(n[0].inbox, "CA-TuyenQuang");
  domain::fold_audience(a, merged);
  EXPECT_EQ(a.chair_unit_id(), "CA-TuyenQuang") << "the successor takes over the chair";
  EXPECT_EQ(std::vector<std::string>(a.member_unit_ids().begin(), a.member_unit_ids().end()),
            (std::vector<std::string>{"CA-TuyenQuang", "CA-LaiChau"}));
}

TEST(notices, dates_read_as_vietnamese_documents_write_them) {
  EXPECT_EQ(domain::vietnamese_date("2023-11-05"), "5/11/2023");
  EXPECT_EQ(domain::vietnamese_date("2023-07"), "7/2023");
  EXPECT_EQ(domain::vietnamese_date("sometime"), "sometime");
}

}  // namespace
}  // namespace thidua::testing
