#pragma once
// The whole cycle of Cluster II of 2023 (fixtures.json) as (actor, command) steps, from the opening to the
// award decisions and the close, for tests that drive it through another layer. Scores and vote counts are
// not reported; these put Lai Châu first, as its Government-flag nomination requires.

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "tests/domain/commands.h"
#include "tests/domain/cycle_harness.h"

namespace thidua::testing {

inline const std::vector<std::string>& cluster_ii_members() {
  static const std::vector<std::string> m = {"CA-LaiChau", "CA-DienBien", "CA-SonLa",  "CA-LaoCai",
                                             "CA-HaGiang", "CA-CaoBang",  "CA-LangSon"};
  return m;
}

inline pb::CycleKey cluster_ii_key() {
  return cmd::key("BCA", "dia-phuong", "II", 2023);
}

// What the reports say Cluster II adopted in 2023 ("cụm thống nhất suy tôn", all seven in favour): one
// Government flag, three Ministry flags, three certificates, every member exactly one; Lạng Sơn chairs 2024
// with Cao Bằng as vice chair.
inline void expect_cluster_ii_2023_outcome(const domain::cycle_state& s) {
  EXPECT_EQ(s.adopted.size(), 7u) << "every member received exactly one form (1+3+3)";
  EXPECT_EQ(s.adopted.at("CA-LaiChau"), pb::GOVERNMENT_FLAG);
  for (auto u : {"CA-CaoBang", "CA-LangSon", "CA-HaGiang"})
    EXPECT_EQ(s.adopted.at(u), pb::MINISTRY_FLAG) << u;
  for (auto u : {"CA-DienBien", "CA-LaoCai", "CA-SonLa"})
    EXPECT_EQ(s.adopted.at(u), pb::CERTIFICATE_OF_MERIT) << u;
  EXPECT_EQ(s.next_chair, "CA-LangSon");
  EXPECT_EQ(s.next_vice_chair, "CA-CaoBang");
}

inline std::vector<std::pair<pb::Actor, pb::Command>> cluster_ii_script() {
  const auto& members = cluster_ii_members();
  const auto chair = as("CA-LaiChau", pb::CHAIR);
  std::vector<std::pair<pb::Actor, pb::Command>> s;
  s.emplace_back(organizer(), cmd::open("Cụm thi đua số II - Bộ Công an", members, "CA-LaiChau", ""));
  s.emplace_back(chair, cmd::launch());
  s.emplace_back(chair, cmd::contents({"giữ vững an ninh chính trị", "kéo giảm tội phạm về trật tự xã hội"}));
  for (const auto& u : members) s.emplace_back(as(u, pb::MEMBER), cmd::sign(u));
  s.emplace_back(chair, cmd::mid_year("2023-07-10"));
  const std::vector<unsigned> points = {98, 90, 88, 89, 93, 95, 94};
  for (std::size_t i = 0; i < members.size(); ++i) {
    s.emplace_back(as(members[i], pb::MEMBER), cmd::self_score(members[i], points[i]));
    s.emplace_back(chair, cmd::verify(members[i], points[i]));
  }
  s.emplace_back(chair, cmd::summary("2023-11-25"));
  s.emplace_back(chair, cmd::vote(pb::GOVERNMENT_FLAG, {{"CA-LaiChau", 7, 0, 0}}, 7));
  s.emplace_back(chair,
                 cmd::vote(pb::MINISTRY_FLAG,
                           {{"CA-CaoBang", 7, 0, 0}, {"CA-LangSon", 7, 0, 0}, {"CA-HaGiang", 7, 0, 0}}, 7));
  s.emplace_back(chair,
                 cmd::vote(pb::CERTIFICATE_OF_MERIT,
                           {{"CA-DienBien", 7, 0, 0}, {"CA-LaoCai", 7, 0, 0}, {"CA-SonLa", 7, 0, 0}}, 7));
  s.emplace_back(chair, cmd::adopt());
  s.emplace_back(chair, cmd::handover(2024, "CA-LangSon", "CA-CaoBang"));
  s.emplace_back(organizer(),
                 cmd::decision("QĐ-TTg/2024", pb::PRIME_MINISTER, {{"CA-LaiChau", pb::GOVERNMENT_FLAG}}));
  s.emplace_back(organizer(), cmd::decision("QĐ-BCA/2024", pb::MINISTER,
                                            {{"CA-CaoBang", pb::MINISTRY_FLAG},
                                             {"CA-LangSon", pb::MINISTRY_FLAG},
                                             {"CA-HaGiang", pb::MINISTRY_FLAG},
                                             {"CA-DienBien", pb::CERTIFICATE_OF_MERIT},
                                             {"CA-LaoCai", pb::CERTIFICATE_OF_MERIT},
                                             {"CA-SonLa", pb::CERTIFICATE_OF_MERIT}}));
  s.emplace_back(organizer(), cmd::close());
  for (auto& [actor, c] : s) *c.mutable_cycle() = cluster_ii_key();
  return s;
}

}  // namespace thidua::testing
