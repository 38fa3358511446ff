// The audit trail over the real server on the demo data (the real clusters of ../shared/domain): who did what
// and when, filtered, paged both ways, corrections beside what they correct, and never another cluster's
// rows.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "api/app/proto/queries.pb.h"
#include "tests/api/api_support.h"

namespace thidua::testing {
namespace {

class audit_api : public demo_server_test {
 protected:
  api::pb::QueryResult audit(const std::string& who, const std::string& params) {
    return http_query_result(http_get(server.port(), "/v1/audit?" + params, tokens.at(who)));
  }
  std::vector<api::pb::AuditEntry> all_pages(const std::string& who, const std::string& params, int limit,
                                             bool backward = false) {
    return http_audit_pages(server.port(), tokens.at(who), params, limit, backward);
  }
  static std::vector<std::uint64_t> positions(const std::vector<api::pb::AuditEntry>& entries) {
    std::vector<std::uint64_t> out;
    for (const auto& e : entries) out.push_back(e.event().position());
    return out;
  }
};

constexpr const char* cluster_ii_2023 = "organizer_id=BCA&series=dia-phuong&year=2023&number=II";

TEST_F(audit_api, a_member_reads_its_cluster_s_year_and_another_cluster_s_member_reads_none_of_it) {
  const auto mine = audit("MEMBER CA-SonLa", std::string(cluster_ii_2023) + "&limit=1000");
  ASSERT_GE(mine.audit_size(), 30) << "the demo's Cluster II 2023 runs to its nominations";
  for (const auto& e : mine.audit()) {
    EXPECT_EQ(e.event().stream_id(), "cycles/BCA/dia-phuong/2023");
    EXPECT_EQ(e.event().cycle().cluster(), "2");
    EXPECT_TRUE(e.recorded_at().ends_with("+07:00")) << e.recorded_at();
    EXPECT_FALSE(e.event().actor_unit_id().empty());
    EXPECT_FALSE(e.event().command_id().empty());
  }
  EXPECT_EQ(audit("MEMBER CA-BacNinh", std::string(cluster_ii_2023) + "&limit=1000").audit_size(), 0);
  // Nor unfiltered: everything Bắc Ninh may read, and not one event of Cluster II.
  for (const auto& e : all_pages("MEMBER CA-BacNinh", "organizer_id=BCA", 1000))
    EXPECT_FALSE(e.event().stream_id().ends_with("/2023") && e.event().cycle().cluster() == "2")
        << e.event().position();
  // The organizer's office reads every cluster.
  const auto office = audit("ORGANIZER_OFFICE BCA-X03", "organizer_id=BCA&limit=1000");
  std::set<std::string> clusters;
  for (const auto& e : office.audit())
    clusters.insert(e.event().stream_id() + "#" + e.event().cycle().cluster());
  EXPECT_GE(clusters.size(), 4u);
}

TEST_F(audit_api, filters_by_type_unit_role_and_time_each_keep_exactly_the_matching_events) {
  const std::string who = "MEMBER CA-SonLa";
  const auto year = audit(who, std::string(cluster_ii_2023) + "&limit=1000").audit();
  auto count = [&](auto pred) { return std::count_if(year.begin(), year.end(), pred); };

  const auto pledges = audit(who, std::string(cluster_ii_2023) + "&event_types=PledgeSigned&limit=1000");
  EXPECT_EQ(pledges.audit_size(), count([](const auto& e) { return e.event().type() == "PledgeSigned"; }));
  EXPECT_GT(pledges.audit_size(), 0);
  const auto two_types =
      audit(who, std::string(cluster_ii_2023) + "&event_types=PledgeSigned,ScoresVerified&limit=1000");
  EXPECT_EQ(two_types.audit_size(), count([](const auto& e) {
              return e.event().type() == "PledgeSigned" || e.event().type() == "ScoresVerified";
            }));

  const auto by_son_la = audit(who, std::string(cluster_ii_2023) + "&unit_id=CA-SonLa&limit=1000");
  EXPECT_EQ(by_son_la.audit_size(),
            count([](const auto& e) { return e.event().actor_unit_id() == "CA-SonLa"; }));
  EXPECT_GT(by_son_la.audit_size(), 0);
  for (const auto& e : by_son_la.audit()) EXPECT_EQ(e.event().actor_unit_id(), "CA-SonLa");

  const auto by_chair = audit(who, std::string(cluster_ii_2023) + "&role=CHAIR&limit=1000");
  EXPECT_EQ(by_chair.audit_size(), count([](const auto& e) { return e.event().actor_role() == "CHAIR"; }));
  EXPECT_GT(by_chair.audit_size(), 0);

  const auto named = std::find_if(year.begin(), year.end(), [](const auto& e) {
    return e.event().actor_person().find(' ') != std::string::npos;
  });
  ASSERT_NE(named, year.end());
  const std::string person = named->event().actor_person();
  std::string escaped;  // percent-encoded UTF-8: the person's name has Vietnamese letters and spaces
  for (unsigned char ch : person) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%%%02X", ch);
    escaped += buf;
  }
  const auto by_person = audit(who, std::string(cluster_ii_2023) + "&person=" + escaped + "&limit=1000");
  EXPECT_EQ(by_person.audit_size(), count([&](const auto& e) { return e.event().actor_person() == person; }));
  EXPECT_GT(by_person.audit_size(), 0);

  const std::int64_t t = year[year.size() / 2].event().recorded_at_ms();
  const auto later =
      audit(who, std::string(cluster_ii_2023) + "&from_ms=" + std::to_string(t) + "&limit=1000");
  EXPECT_EQ(later.audit_size(), count([&](const auto& e) { return e.event().recorded_at_ms() >= t; }));
  const auto earlier =
      audit(who, std::string(cluster_ii_2023) + "&to_ms=" + std::to_string(t) + "&limit=1000");
  EXPECT_EQ(earlier.audit_size(), count([&](const auto& e) { return e.event().recorded_at_ms() < t; }));
  EXPECT_EQ(later.audit_size() + earlier.audit_size(), static_cast<int>(year.size()));
  EXPECT_EQ(audit(who, std::string(cluster_ii_2023) + "&to_date=1/1/2000&limit=1000").audit_size(), 0)
      << "nothing was recorded before 2000";
  EXPECT_EQ(audit(who, std::string(cluster_ii_2023) + "&from_date=2000-01-01&limit=1000").audit_size(),
            static_cast<int>(year.size()));

  const auto window = audit(who, std::string(cluster_ii_2023) +
                                     "&from_position=" + std::to_string(year[3].event().position()) +
                                     "&to_position=" + std::to_string(year[7].event().position()));
  EXPECT_EQ(positions({window.audit().begin(), window.audit().end()}),
            positions({year.begin() + 3, year.begin() + 8}));
}

TEST_F(audit_api, pages_forward_and_backward_give_the_same_entries_without_gap_or_repeat) {
  const std::string who = "MEMBER CA-SonLa";
  const auto whole = positions(all_pages(who, cluster_ii_2023, 1000));
  ASSERT_GE(whole.size(), 30u);
  EXPECT_TRUE(std::is_sorted(whole.begin(), whole.end()));
  EXPECT_EQ(positions(all_pages(who, cluster_ii_2023, 4)), whole);
  auto backward = positions(all_pages(who, cluster_ii_2023, 3, true));
  std::reverse(backward.begin(), backward.end());
  EXPECT_EQ(backward, whole);
}

TEST_F(audit_api, bad_filters_are_refused_naming_the_field) {
  auto refused = [&](const std::string& params) {
    const std::string r = http_get(server.port(), "/v1/audit?" + params, tokens.at("MEMBER CA-SonLa"));
    EXPECT_NE(r.find("HTTP/1.1 400"), std::string::npos) << params << ": " << r;
    const auto field = r.find("\"field\":\"");
    if (field == std::string::npos) return std::string();
    return r.substr(field + 9, r.find('"', field + 9) - field - 9);
  };
  EXPECT_EQ(refused("role=KING"), "audit.role");
  EXPECT_EQ(refused("from_date=31/2/2024"), "audit.from_date");
  EXPECT_EQ(refused("to_date=2024-13-01"), "audit.to_date");
  EXPECT_EQ(refused("from_date=2024-07-01&to_date=2024-06-30"), "audit.to_date");
  EXPECT_EQ(refused("series=dia-phuong"), "audit.organizer_id");
  EXPECT_EQ(refused("organizer_id=BCA&number=abc"), "audit.number");
  EXPECT_EQ(refused("event_types=Pledge-Signed"), "audit.event_types");
  EXPECT_EQ(refused("unit_id=CA/SonLa"), "audit.unit_id");
  EXPECT_EQ(refused("colour=red"), "colour");
  EXPECT_NE(http_get(server.port(), "/v1/audit").find("HTTP/1.1 401"), std::string::npos);
}

TEST_F(audit_api, a_correction_shows_the_event_it_corrects_and_that_event_lists_it) {
  const std::string who = "MEMBER CA-SonLa";
  const auto launches = audit(who, std::string(cluster_ii_2023) + "&event_types=LaunchConferenceHeld");
  ASSERT_EQ(launches.audit_size(), 1);
  const std::uint64_t launch = launches.audit(0).event().position();
  EXPECT_EQ(launches.audit(0).corrected_by_size(), 0);

  domain::pb::Command c;
  auto* key = c.mutable_cycle();
  key->set_organizer_id("BCA");
  key->set_series("dia-phuong");
  key->set_number("II");
  key->set_year(2023);
  c.mutable_correction()->set_corrects_position(launch);
  c.mutable_correction()->set_corrects_event_type("LaunchConferenceHeld");
  c.mutable_correction()->set_reason("Biên bản ghi sai địa điểm hội nghị");
  c.mutable_correction()->set_corrected_text("Hội nghị tổ chức tại tỉnh Sơn La");
  ws_client office(server.port(), tokens.at("ORGANIZER_OFFICE BCA-X03"));
  ASSERT_TRUE(office.open());
  const auto accepted = office.request(command_frame("correct-launch", c));
  ASSERT_TRUE(accepted.has_accepted()) << accepted.DebugString();
  const std::uint64_t correction = accepted.accepted().last_position();

  const std::string after = "&at_least_position=" + std::to_string(correction);
  const auto corrected =
      audit(who, std::string(cluster_ii_2023) + "&event_types=LaunchConferenceHeld" + after);
  ASSERT_EQ(corrected.audit_size(), 1);
  ASSERT_EQ(corrected.audit(0).corrected_by_size(), 1);
  EXPECT_EQ(corrected.audit(0).corrected_by(0), correction);

  const auto corrections =
      audit(who, std::string(cluster_ii_2023) + "&event_types=CorrectionRecorded" + after);
  ASSERT_EQ(corrections.audit_size(), 1);
  const auto& entry = corrections.audit(0);
  EXPECT_EQ(entry.event().position(), correction);
  EXPECT_EQ(entry.corrects().position(), launch);
  EXPECT_EQ(entry.corrects().type(), "LaunchConferenceHeld");
  EXPECT_EQ(entry.event().cycle().correction_recorded().details().corrected_text(),
            "Hội nghị tổ chức tại tỉnh Sơn La");
  EXPECT_EQ(entry.event().actor_role(), "ORGANIZER_OFFICE");
  // Another cluster's member sees neither.
  EXPECT_EQ(
      audit("MEMBER CA-BacNinh", "organizer_id=BCA&event_types=CorrectionRecorded" + after).audit_size(), 0);
}

}  // namespace
}  // namespace thidua::testing
