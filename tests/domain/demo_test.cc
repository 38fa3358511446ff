// The demo data is the real cycles of the source reports, recorded through the same commands as real use:
// every step is accepted by the rules, and the states are what the reports say.

#include "domain/fixtures/demo.h"

#include <gtest/gtest.h>

#include <map>

#include "domain/cycle_decider.h"
#include "domain/handover_checks.h"
#include "domain/registry_decider.h"
#include "tests/domain/cluster_ii_script.h"

namespace thidua::domain {
namespace {

struct replayed {
  registry_state registry = registry_decider::initial();
  std::map<std::string, series_state> series;  // by stream
  std::size_t events = 0;
};

replayed run_all(const std::vector<demo::step>& steps) {
  replayed r;
  for (const auto& s : steps) {
    if (const auto* reg = std::get_if<pb::RegistryCommand>(&s.command)) {
      auto out = registry_decider::decide(r.registry, *reg, s.actor, 0);
      if (auto* refused = std::get_if<rejection>(&out)) {
        ADD_FAILURE() << s.command_id << ": " << refused->code << " " << refused->message_en;
        continue;
      }
      for (const auto& e : std::get<std::vector<pb::RegistryEvent>>(out)) {
        r.registry = registry_decider::evolve(r.registry, e);
        ++r.events;
      }
    } else {
      const auto& c = std::get<pb::Command>(s.command);
      domain::pb::Command previous = c;
      previous.mutable_cycle()->set_year(c.cycle().year() - 1);
      const auto& last_year =
          r.series[cycle_decider::stream_of(previous)].cycle(normalize_cluster_number(c.cycle().number()));
      auto gate = registry_refusal(r.registry, c, s.actor);
      if (!gate) gate = handover_refusal(last_year, r.registry, c, s.actor);
      if (gate) {
        ADD_FAILURE() << s.command_id << ": refused before the cycle decides: " << gate->code << " "
                      << gate->message_en;
        continue;
      }
      auto& state = r.series[cycle_decider::stream_of(c)];
      auto out = cycle_decider::decide(state, c, s.actor, 0);
      if (auto* refused = std::get_if<rejection>(&out)) {
        ADD_FAILURE() << s.command_id << ": " << refused->code << " (" << refused->field << ") "
                      << refused->message_en;
        continue;
      }
      for (const auto& e : std::get<std::vector<pb::Event>>(out)) {
        state = cycle_decider::evolve(state, e);
        ++r.events;
      }
    }
  }
  return r;
}

TEST(demo, names_become_stable_ascii_ids) {
  EXPECT_EQ(demo::strip_diacritics("Lạng Sơn, Điện Biên, Thừa Thiên Huế, Hòa Bình"),
            "Lang Son, Dien Bien, Thua Thien Hue, Hoa Binh");
  EXPECT_EQ(demo::unit_id_for("Công an tỉnh Lai Châu"), "CA-LaiChau");
  EXPECT_EQ(demo::unit_id_for("Công an tỉnh Thừa Thiên Huế"), "CA-ThuaThienHue");
}

TEST(demo, every_step_of_the_embedded_fixtures_is_accepted_and_states_match_the_reports) {
  auto built = demo::build(demo::embedded_fixtures());
  ASSERT_TRUE(std::holds_alternative<std::vector<demo::step>>(built)) << std::get<std::string>(built);
  const auto& steps = std::get<std::vector<demo::step>>(built);
  std::set<std::string> ids;
  for (const auto& s : steps) EXPECT_TRUE(ids.insert(s.command_id).second) << "duplicate id " << s.command_id;
  auto r = run_all(steps);
  EXPECT_GT(r.events, 60u);

  EXPECT_EQ(r.registry.name_on("CA-LaiChau"), "Công an tỉnh Lai Châu");
  EXPECT_EQ(r.registry.clusters.at("BCA/dia-phuong/2"), "Cụm thi đua số II - Bộ Công an");
  EXPECT_TRUE(r.registry.clusters.count("CA-tinh-Hai-Duong/an-ninh/1")) << "the internal cluster is defined";

  const auto& ii = r.series.at("cycles/BCA/dia-phuong/2023").cycle("2");
  EXPECT_EQ(ii.members.size(), 7u);
  testing::expect_cluster_ii_2023_outcome(ii);

  const auto& y2024 = r.series.at("cycles/BCA/dia-phuong/2024");
  const auto& five = y2024.cycle("5");
  EXPECT_EQ(five.chair, "CA-HungYen");
  EXPECT_EQ(five.vice_chair, "CA-ThaiBinh");
  EXPECT_TRUE(five.pledge_active) << "the five provinces signed on 19/3/2024";
  const auto& four = y2024.cycle("4");
  EXPECT_TRUE(four.pledge_active);
  EXPECT_EQ(four.contributions_vnd, 180'000'000);

  const auto& five_2020 = r.series.at("cycles/BCA/dia-phuong/2020").cycle("5");
  EXPECT_EQ(five_2020.members.size(), 6u) << "same number, other members in 2020";
  EXPECT_EQ(five_2020.chair, "CA-NgheAn");
}

TEST(demo, malformed_fixtures_are_refused_with_a_message) {
  auto built = demo::build("{ not json");
  ASSERT_TRUE(std::holds_alternative<std::string>(built));
  EXPECT_NE(std::get<std::string>(built).find("fixtures"), std::string::npos);
}

}  // namespace
}  // namespace thidua::domain
