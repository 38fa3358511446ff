// Replays the real cycles of ../shared/domain/fixtures.json through the decider and checks the state the
// reports describe. Where a report leaves a step out (scores, vote counts), the test supplies plausible
// values and says so.

#include <gtest/gtest.h>

#include "tests/domain/commands.h"
#include "tests/domain/cycle_harness.h"

namespace thidua::testing {
namespace {

const std::vector<std::string> cluster_ii = {"CA-LaiChau", "CA-DienBien", "CA-SonLa",  "CA-LaoCai",
                                             "CA-HaGiang", "CA-CaoBang",  "CA-LangSon"};

TEST(cycle_replay, cluster_ii_of_2023_ends_as_reported) {
  cycle_harness h(cmd::key("BCA", "dia-phuong", "II", 2023));
  // The report names no vice chair for 2023.
  h.ok(organizer(), cmd::open("Cụm thi đua số II - Bộ Công an", cluster_ii, "CA-LaiChau", ""));
  const auto chair = as("CA-LaiChau", pb::CHAIR);
  h.ok(chair, cmd::launch());
  h.ok(chair, cmd::contents({"giữ vững an ninh chính trị", "kéo giảm tội phạm về trật tự xã hội"}));
  for (const auto& u : cluster_ii) h.ok(as(u, pb::MEMBER), cmd::sign(u));
  EXPECT_TRUE(h.state().pledge_active);
  h.ok(chair, cmd::mid_year("2023-07-10"));
  // Scores are not reported; these put Lai Châu first, as its Government-flag nomination requires.
  const std::vector<unsigned> points = {98, 90, 88, 89, 93, 95, 94};
  for (std::size_t i = 0; i < cluster_ii.size(); ++i) {
    h.ok(as(cluster_ii[i], pb::MEMBER), cmd::self_score(cluster_ii[i], points[i]));
    h.ok(chair, cmd::verify(cluster_ii[i], points[i]));
  }
  pb::Command summary = cmd::summary("2023-11-25");
  auto* drug_cases = summary.mutable_year_end_summary()->add_statistics();
  drug_cases->set_metric("drug_cases");
  drug_cases->set_value(4213);
  h.ok(chair, summary);
  ASSERT_EQ(h.state().leaders(), std::vector<std::string>{"CA-LaiChau"});

  // "Cụm thống nhất suy tôn": all seven present, all in favour.
  h.ok(chair, cmd::vote(pb::GOVERNMENT_FLAG, {{"CA-LaiChau", 7, 0, 0}}, 7));
  h.ok(chair, cmd::vote(pb::MINISTRY_FLAG,
                        {{"CA-CaoBang", 7, 0, 0}, {"CA-LangSon", 7, 0, 0}, {"CA-HaGiang", 7, 0, 0}}, 7));
  h.ok(chair, cmd::vote(pb::CERTIFICATE_OF_MERIT,
                        {{"CA-DienBien", 7, 0, 0}, {"CA-LaoCai", 7, 0, 0}, {"CA-SonLa", 7, 0, 0}}, 7));
  h.ok(chair, cmd::adopt());
  h.ok(chair, cmd::handover(2024, "CA-LangSon", "CA-CaoBang"));

  const auto& s = h.state();
  EXPECT_EQ(s.adopted.size(), 7u) << "every member received exactly one form (1+3+3)";
  EXPECT_EQ(s.adopted.at("CA-LaiChau"), pb::GOVERNMENT_FLAG);
  for (auto u : {"CA-CaoBang", "CA-LangSon", "CA-HaGiang"})
    EXPECT_EQ(s.adopted.at(u), pb::MINISTRY_FLAG) << u;
  for (auto u : {"CA-DienBien", "CA-LaoCai", "CA-SonLa"})
    EXPECT_EQ(s.adopted.at(u), pb::CERTIFICATE_OF_MERIT) << u;
  EXPECT_EQ(s.next_chair, "CA-LangSon");
  EXPECT_EQ(s.next_vice_chair, "CA-CaoBang");

  h.ok(organizer(), cmd::decision("QĐ-TTg/2024", pb::PRIME_MINISTER, {{"CA-LaiChau", pb::GOVERNMENT_FLAG}}));
  h.ok(organizer(), cmd::decision("QĐ-BCA/2024", pb::MINISTER,
                                  {{"CA-CaoBang", pb::MINISTRY_FLAG},
                                   {"CA-LangSon", pb::MINISTRY_FLAG},
                                   {"CA-HaGiang", pb::MINISTRY_FLAG},
                                   {"CA-DienBien", pb::CERTIFICATE_OF_MERIT},
                                   {"CA-LaoCai", pb::CERTIFICATE_OF_MERIT},
                                   {"CA-SonLa", pb::CERTIFICATE_OF_MERIT}}));
  h.ok(organizer(), cmd::close());
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
