// The cycles board and "as of" over the real server on the demo data (the real clusters of ../shared/domain):
// a cycle at a past position or day differs from now, the board names the signatures and deadlines, and a
// member never sees another cluster's row.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "api/app/proto/queries.pb.h"
#include "tests/api/api_support.h"

namespace thidua::testing {
namespace {

class read_models_api : public demo_server_test {
 protected:
  api::pb::QueryResult get(const std::string& who, const std::string& target) {
    return http_query_result(http_get(server.port(), target, tokens.at(who)));
  }
  std::uint64_t head() {
    return static_cast<std::uint64_t>(*metric_value(http_get(server.port(), "/metrics"), "thidua_log_head"));
  }
};

constexpr const char* cluster_ii_2023 = "/v1/cycles/BCA/dia-phuong/2023/II";

TEST_F(read_models_api, a_cycle_as_of_a_position_or_a_day_is_the_cycle_as_it_stood_then) {
  const std::string who = "MEMBER CA-SonLa";
  const auto now = get(who, std::string(cluster_ii_2023) + "?at_least_position=" + std::to_string(head()));
  ASSERT_EQ(now.cycles_size(), 1);
  EXPECT_EQ(now.cycles(0).stage(), domain::pb::NOMINATIONS_ADOPTED);
  // Its events in order: as of its first, it had just opened; as of the one before the adoption, the
  // nominations were not adopted yet.
  const auto events = http_audit_pages(server.port(), tokens.at(who),
                                       "organizer_id=BCA&series=dia-phuong&year=2023&number=II", 1000);
  ASSERT_GE(events.size(), 30u);
  const auto first = events.front().event().position(), last = events.back().event().position();
  const auto adoption = std::find_if(events.begin(), events.end(),
                                     [](const auto& e) { return e.event().type() == "NominationsAdopted"; });
  ASSERT_NE(adoption, events.end());
  const auto opened = get(who, std::string(cluster_ii_2023) + "?as_of_position=" + std::to_string(first));
  ASSERT_EQ(opened.cycles_size(), 1);
  EXPECT_EQ(opened.as_of_position(), first);
  EXPECT_EQ(opened.cycles(0).stage(), domain::pb::OPENED);
  EXPECT_EQ(opened.cycles(0).events(), 1u);
  const auto before = get(who, std::string(cluster_ii_2023) +
                                   "?as_of_position=" + std::to_string(adoption->event().position() - 1));
  ASSERT_EQ(before.cycles_size(), 1);
  EXPECT_EQ(before.cycles(0).stage(), domain::pb::YEAR_END_SUMMARIZED);
  EXPECT_EQ(before.cycles(0).events(), static_cast<std::uint64_t>(adoption - events.begin()));
  // The day of its first event, as people write it: the cycle as it was at the end of that day.
  const std::string day = events.front().recorded_at().substr(0, 10);  // YYYY-MM-DD
  const std::string vn = std::to_string(std::stoi(day.substr(8, 2))) + "/" +
                         std::to_string(std::stoi(day.substr(5, 2))) + "/" + day.substr(0, 4);
  const auto that_day = get(who, std::string(cluster_ii_2023) + "?as_of_date=" + vn);
  ASSERT_EQ(that_day.cycles_size(), 1) << vn;
  EXPECT_GE(that_day.as_of_position(), first);
  EXPECT_LE(that_day.cycles(0).events(), events.size());
  // A bad day names its field; another cluster's member may not read it as of any time.
  const auto bad =
      http_get(server.port(), std::string(cluster_ii_2023) + "?as_of_date=30-6-2024", tokens.at(who));
  EXPECT_NE(bad.find("HTTP/1.1 400"), std::string::npos) << bad;
  EXPECT_NE(bad.find("get_cycle.as_of.date"), std::string::npos) << bad;
  const auto refused =
      http_get(server.port(), std::string(cluster_ii_2023) + "?as_of_position=" + std::to_string(last),
               tokens.at("MEMBER CA-BacNinh"));
  EXPECT_NE(refused.find("HTTP/1.1 403"), std::string::npos) << refused;
}

TEST_F(read_models_api, the_board_shows_each_readable_cycle_with_signatures_chair_and_deadlines) {
  const auto board =
      get("ORGANIZER_OFFICE BCA-X03", "/v1/board?year=2023&at_least_position=" + std::to_string(head()));
  ASSERT_GE(board.board_size(), 1);
  const auto& ii = board.board(0);
  EXPECT_EQ(ii.key().number(), "2");
  EXPECT_EQ(ii.members(), 7u);
  EXPECT_EQ(ii.signatures(), 7u);
  EXPECT_EQ(ii.chair_unit_id(), "CA-LaiChau");
  EXPECT_EQ(ii.chair_name(), "Công an tỉnh Lai Châu");
  EXPECT_EQ(ii.stage(), domain::pb::NOMINATIONS_ADOPTED);
  EXPECT_FALSE(ii.has_next_deadline()) << "every dated step of 2023 is done";
  EXPECT_TRUE(ii.last_activity().ends_with("+07:00"));
  // Bắc Ninh (Cluster 4) sees 2024's cycles it may read, none of Cluster II's.
  const auto theirs = get("MEMBER CA-BacNinh", "/v1/board?at_least_position=" + std::to_string(head()));
  ASSERT_GE(theirs.board_size(), 1);
  for (const auto& row : theirs.board())
    EXPECT_FALSE(row.key().year() == 2023 && row.key().number() == "2") << row.ShortDebugString();
}

TEST_F(read_models_api, a_unit_s_record_and_the_statistics_over_http) {
  const auto sl =
      get("MEMBER CA-SonLa", "/v1/units/CA-SonLa/record?at_least_position=" + std::to_string(head()));
  ASSERT_GE(sl.unit_record().years_size(), 1);
  const auto& y = sl.unit_record().years(0);
  EXPECT_EQ(y.key().year(), 2023u);
  EXPECT_EQ(y.key().number(), "2");
  EXPECT_EQ(y.unit_name(), "Công an tỉnh Sơn La");
  EXPECT_TRUE(y.pledge_signed());
  EXPECT_EQ(y.adopted(), domain::pb::CERTIFICATE_OF_MERIT);
  const auto stats =
      get("ORGANIZER_OFFICE BCA-X03", "/v1/statistics?year=2023&at_least_position=" + std::to_string(head()));
  EXPECT_GE(stats.statistics().cycles(), 1u);
  const auto missing = http_get(server.port(), "/v1/units/CA-Atlantis/record", tokens.at("MEMBER CA-SonLa"));
  EXPECT_NE(missing.find("HTTP/1.1 404"), std::string::npos) << missing;
}

TEST_F(read_models_api, a_cycle_in_full_over_http_for_its_members_now_and_as_of_a_position) {
  const std::string full = std::string(cluster_ii_2023) + "/full";
  const auto now = get("MEMBER CA-SonLa", full + "?at_least_position=" + std::to_string(head()));
  ASSERT_EQ(now.cycles_size(), 1);
  const auto& f = now.cycle_in_full();
  ASSERT_EQ(static_cast<std::uint64_t>(f.timeline_size()), now.cycles(0).events())
      << "every step of the cycle";
  EXPECT_EQ(f.timeline(0).type(), "CycleOpened");
  EXPECT_FALSE(f.timeline(0).actor_person().empty()) << "who recorded it";
  for (int i = 1; i < f.timeline_size(); ++i)
    EXPECT_LT(f.timeline(i - 1).position(), f.timeline(i).position());
  EXPECT_EQ(f.signatures_size(), 7);
  EXPECT_TRUE(
      std::all_of(f.signatures().begin(), f.signatures().end(), [](const auto& s) { return s.signed_(); }));
  EXPECT_EQ(f.nominations_size(), 7);
  EXPECT_GE(f.votes_size(), 1);
  EXPECT_TRUE(f.votes(0).quorum_met());
  EXPECT_EQ(f.launch().date(), "2023-03") << "the sources name the month only";
  EXPECT_EQ(f.timeline(1).actor_person(), "Đại tá Nguyễn Viết Giang, Giám đốc");
  // As of its tenth step, the timeline stops there; a member of another cluster may not read it.
  const auto then =
      get("MEMBER CA-SonLa", full + "?as_of_position=" + std::to_string(f.timeline(9).position()));
  EXPECT_EQ(then.cycle_in_full().timeline_size(), 10);
  EXPECT_EQ(then.cycle_in_full().nominations_size(), 0);
  const auto refused = http_get(server.port(), full, tokens.at("MEMBER CA-BacNinh"));
  EXPECT_NE(refused.find("HTTP/1.1 403"), std::string::npos) << refused;
  EXPECT_EQ(refused.find("timeline"), std::string::npos);
}

// The catalog rebuilt while the server serves: an organizer's office asks, the old version answers meanwhile,
// the new one swaps in and answers the same; a member may not ask.
TEST_F(read_models_api, an_organizer_rebuilds_the_catalog_while_serving_and_the_answers_stay_the_same) {
  const std::string office = "ORGANIZER_OFFICE BCA-X03";
  const std::string cycles = "/v1/cycles?at_least_position=" + std::to_string(head());
  const auto before = http_body(http_get(server.port(), cycles, tokens.at(office)));
  ws_client member(server.port(), tokens.at("MEMBER CA-SonLa"));
  api::pb::ClientFrame rebuild;
  rebuild.set_request_id("r1");
  rebuild.mutable_query()->mutable_rebuild_read_model()->set_model("catalog");
  const auto refused = member.request(rebuild);
  ASSERT_TRUE(refused.has_error()) << refused.ShortDebugString();
  EXPECT_EQ(refused.error().code(), "FORBIDDEN");
  ws_client admin(server.port(), tokens.at(office));
  auto unknown = rebuild;
  unknown.mutable_query()->mutable_rebuild_read_model()->set_model("catlog");
  const auto bad = admin.request(unknown);
  ASSERT_TRUE(bad.has_error());
  EXPECT_EQ(bad.error().field(), "rebuild_read_model.model");
  const auto started = admin.request(rebuild);
  ASSERT_TRUE(started.has_result()) << started.ShortDebugString();
  EXPECT_EQ(started.result().read_model().model(), "catalog");
  api::pb::ClientFrame status;
  status.set_request_id("s1");
  status.mutable_query()->mutable_read_model_status();
  api::pb::ReadModelStatus now;
  for (int i = 0; i < 2000; ++i) {
    now = admin.request(status).result().read_model();
    if (!now.rebuilding()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_FALSE(now.rebuilding());
  EXPECT_EQ(now.stored_as(), "catalog.v6.g2");
  EXPECT_EQ(now.position(), head());
  EXPECT_EQ(http_body(http_get(server.port(), cycles, tokens.at(office))), before);
}

}  // namespace
}  // namespace thidua::testing
