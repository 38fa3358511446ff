// Replays the real cycles of ../shared/domain/fixtures.json through the decider and checks the state the
// reports describe. Where a report leaves a step out (scores, vote counts), the test supplies plausible
// values and says so.

#include <gtest/gtest.h>

#include "tests/domain/cluster_ii_script.h"
#include "tests/domain/commands.h"
#include "tests/domain/cycle_harness.h"

namespace thidua::testing {
namespace {

// The steps are tests/domain/cluster_ii_script.h (the API and view tests drive the same cycle); this test
// checks what the reports say after the steps that decide it.
TEST(cycle_replay, cluster_ii_of_2023_ends_as_reported) {
  cycle_harness h(cluster_ii_key());
  bool pledge_checked = false;
  for (auto [actor, c] : cluster_ii_script()) {
    if (c.has_mid_year_review()) {
      EXPECT_TRUE(h.state().pledge_active) << "all seven signed before the mid-year review";
      pledge_checked = true;
    }
    if (c.has_year_end_summary()) {
      auto* drug_cases = c.mutable_year_end_summary()->add_statistics();
      drug_cases->set_metric("drug_cases");
      drug_cases->set_value(4213);
    }
    h.ok(actor, c);
    if (c.has_year_end_summary()) {
      ASSERT_EQ(h.state().leaders(), std::vector<std::string>{"CA-LaiChau"});
    }
    if (c.has_hand_over_chair()) expect_cluster_ii_2023_outcome(h.state());
  }
  EXPECT_TRUE(pledge_checked);
  EXPECT_TRUE(h.state().closed);
  EXPECT_EQ(cycle_decider::stream_of(pb::Command{}), "cycles/invalid");
  pb::Command any;
  *any.mutable_cycle() = h.key();
  EXPECT_EQ(cycle_decider::stream_of(any), "cycles/BCA/dia-phuong/2023");
  for (const auto& e : h.history()) ASSERT_EQ(e.cluster(), "2") << "II and 2 are the same cluster";
}

TEST(cycle_replay, cluster_4_of_2024_adopts_seven_focus_contents_with_measurable_targets) {
  cycle_harness h(cmd::key("BCA", "dia-phuong", "4", 2024));
  const std::vector<std::string> members = {"CA-QuangNinh", "CA-PhuTho",  "CA-BacGiang",
                                            "CA-BacNinh",   "CA-HoaBinh", "CA-VinhPhuc"};
  // The report does not say which unit chairs Cluster 4 in 2024; Quảng Ninh's director spoke.
  h.ok(organizer(), cmd::open("Cụm thi đua số 4 - Bộ Công an", members, "CA-QuangNinh", "CA-PhuTho"));
  const auto chair = as("CA-QuangNinh", pb::CHAIR);
  h.ok(chair, cmd::launch("2024-03-15", "Quảng Ninh"));
  pb::Command c;
  auto add = [&](const char* text, const char* metric, const char* op, double value) {
    auto* fc = c.mutable_adopt_pledge_contents()->add_contents();
    fc->set_text(text);
    if (metric) {
      auto* t = fc->add_targets();
      t->set_text(text);
      t->set_metric(metric);
      t->set_comparator(op);
      t->set_value(value);
    }
  };
  add("tham mưu ban hành kế hoạch thực hiện Nghị quyết số 44-NQ/TW ngày 24/11/2023", "qualitative", "", 0);
  add("giữ vững an ninh, an toàn trên tất cả các lĩnh vực", nullptr, nullptr, 0);
  add("kéo giảm ít nhất 5% số vụ phạm tội về trật tự xã hội", "social_order_crime_reduction_pct", ">=", 5);
  add("100% tố giác, tin báo về tội phạm, kiến nghị khởi tố được tiếp nhận, xử lý",
      "reports_received_processed_pct", "==", 100);
  add("tỷ lệ giải quyết trên 90%", "reports_resolution_rate_pct", ">", 90);
  add("đẩy mạnh công tác xây dựng phong trào toàn dân bảo vệ ANTQ", nullptr, nullptr, 0);
  add("làm tốt công tác xây dựng Đảng, xây dựng lực lượng", nullptr, nullptr, 0);
  auto events = h.ok(chair, c);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].pledge_contents_adopted().contents_size(), 7);
  EXPECT_EQ(events[0].pledge_contents_adopted().contents(2).targets(0).text(),
            "kéo giảm ít nhất 5% số vụ phạm tội về trật tự xã hội")
      << "Vietnamese text is kept exactly";
  for (const auto& u : members) h.ok(as(u, pb::MEMBER), cmd::sign(u));
  // 180 triệu đồng for a charity house at the chair unit, shared by the members.
  pb::Command gift;
  gift.mutable_activity()->set_kind("contribution");
  gift.mutable_activity()->set_description("xây dựng nhà tình nghĩa tại đơn vị Cụm trưởng");
  for (const auto& u : members) {
    auto* k = gift.mutable_activity()->add_contributions();
    k->set_unit_id(u);
    k->set_amount_vnd(30'000'000);
  }
  h.ok(chair, gift);
  EXPECT_EQ(h.state().contributions_vnd, 180'000'000);
}

TEST(cycle_replay, the_same_number_has_other_members_in_another_year_but_a_unit_sits_in_one_cluster_a_year) {
  // Cluster 5 was six North-Central provinces in 2020 and five Red River Delta provinces in 2024.
  cycle_harness y2020(cmd::key("BCA", "dia-phuong", "5", 2020));
  y2020.ok(organizer(), cmd::open("Cụm thi đua số 5 - Bộ Công an",
                                  {"CA-ThanhHoa", "CA-NgheAn", "CA-HaTinh", "CA-QuangBinh", "CA-QuangTri",
                                   "CA-ThuaThienHue"},
                                  "CA-NgheAn", ""));
  cycle_harness y2024(cmd::key("BCA", "dia-phuong", "5", 2024));
  y2024.ok(organizer(), cmd::open("Cụm thi đua số 5 - Bộ Công an",
                                  {"CA-HungYen", "CA-ThaiBinh", "CA-HaNam", "CA-NamDinh", "CA-HaiDuong"},
                                  "CA-HungYen", "CA-ThaiBinh"));
  // Same series and year: Hải Dương cannot also sit in Cluster 4.
  y2024.set_key(cmd::key("BCA", "dia-phuong", "4", 2024));
  EXPECT_EQ(y2024.refused(organizer(),
                          cmd::open("Cụm thi đua số 4", {"CA-QuangNinh", "CA-HaiDuong"}, "CA-QuangNinh", "")),
            "UNIT_IN_ANOTHER_CLUSTER");
  EXPECT_NE(y2024.last_rejection().message_vi.find("CA-HaiDuong"), std::string::npos);
  y2024.ok(organizer(), cmd::open("Cụm thi đua số 4", {"CA-QuangNinh", "CA-PhuTho"}, "CA-QuangNinh", ""));
  EXPECT_EQ(y2024.series().cycles.size(), 2u);
  // Another series of the same organizer is another stream: the province may sit in one of its clusters too.
  cycle_harness other_series(cmd::key("BCA", "khoi-an-ninh", "1", 2024));
  other_series.ok(organizer(), cmd::open("Khối thi đua", {"CA-HaiDuong", "CA-HaNam"}, "CA-HaiDuong", ""));
}

TEST(cycle_replay, an_internal_cluster_of_a_provincial_police_is_run_by_that_police) {
  cycle_harness h(cmd::key("CA-tinh-Hai-Duong", "an-ninh", "1", 2024));
  const std::vector<std::string> members = {"HD-PA01", "HD-PA03", "HD-PA05", "HD-PA09"};
  EXPECT_EQ(h.refused(organizer("BCA"), cmd::open("Cụm thi đua An ninh", members, "HD-PA01", "HD-PA03")),
            "NOT_ORGANIZER")
      << "the Ministry's office does not open a provincial police's internal cluster";
  h.ok(organizer("CA-tinh-Hai-Duong"),
       cmd::open("Cụm thi đua An ninh - Công an tỉnh Hải Dương", members, "HD-PA01", "HD-PA03"));
  EXPECT_TRUE(h.state().opened);
}

}  // namespace
}  // namespace thidua::testing
