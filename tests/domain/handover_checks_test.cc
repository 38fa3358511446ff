// Next year's opening against this year's handover: a re-formed cluster is never silently accepted (Cluster
// II handed its chair to Lạng Sơn for 2024 in 2023, then was re-formed).

#include "domain/handover_checks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/domain/cluster_ii_script.h"
#include "tests/domain/commands.h"
#include "tests/domain/cycle_harness.h"

namespace thidua::testing {
namespace {

class handover_checks : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto& [actor, c] : cluster_ii_script()) cluster_ii_2023.ok(actor, c);
    ASSERT_TRUE(cluster_ii_2023.state().handed_over);
    ASSERT_TRUE(cluster_ii_2023.state().closed);
    // Hà Giang merged into Tuyên Quang on 1 July 2025: its seat in 2026 is Tuyên Quang's.
    auto& ha_giang = registry.units["CA-HaGiang"];
    ha_giang.merged_into = "CA-TuyenQuang";
    ha_giang.merged_on = "2025-07-01";
  }
  std::string code(const domain::cycle_state& previous, pb::Command open, unsigned year = 2024,
                   const pb::Actor& actor = organizer()) {
    *open.mutable_cycle() = cmd::key("BCA", "dia-phuong", "II", year);
    auto refused = domain::handover_refusal(previous, registry, open, actor);
    if (!refused) return "OK";
    EXPECT_FALSE(refused->message_vi.empty());
    EXPECT_EQ(refused->message_en.find("  "), std::string::npos);
    return refused->code;
  }
  static pb::Command open_ii(std::vector<std::string> members, const std::string& chair,
                             const std::string& vice, const std::string& void_reason = "") {
    pb::Command c = cmd::open("Cụm thi đua số II - Bộ Công an", members, chair, vice);
    c.mutable_open()->set_void_previous_handover_reason(void_reason);
    return c;
  }

  cycle_harness cluster_ii_2023{cluster_ii_key()};
  domain::registry_state registry;
};

TEST_F(handover_checks, the_opening_that_follows_the_handover_passes) {
  EXPECT_EQ(code(cluster_ii_2023.state(), open_ii(cluster_ii_members(), "CA-LangSon", "CA-CaoBang")), "OK");
}

TEST_F(handover_checks, an_opening_that_contradicts_the_handover_is_refused_until_it_is_voided) {
  const auto& s = cluster_ii_2023.state();
  EXPECT_EQ(code(s, open_ii(cluster_ii_members(), "CA-LaiChau", "CA-CaoBang")), "HANDOVER_CONTRADICTED")
      << "another chair";
  EXPECT_EQ(code(s, open_ii(cluster_ii_members(), "CA-LangSon", "CA-SonLa")), "HANDOVER_CONTRADICTED")
      << "another vice chair";
  EXPECT_EQ(code(s, open_ii(cluster_ii_members(), "CA-LangSon", "")), "HANDOVER_CONTRADICTED")
      << "the vice chair the handover named is left out";
  const std::vector<std::string> reformed = {"CA-LangSon", "CA-CaoBang", "CA-BacKan", "CA-TuyenQuang"};
  EXPECT_EQ(code(s, open_ii(reformed, "CA-LangSon", "CA-CaoBang")), "HANDOVER_CONTRADICTED")
      << "a re-formed cluster";
  EXPECT_EQ(
      code(s, open_ii(reformed, "CA-LangSon", "CA-CaoBang", "Cụm được tổ chức lại theo Quyết định 2024")),
      "OK")
      << "the opening may carry the void, with its reason";

  // Or the organizer voids the handover on the 2023 cycle, closed as it is: then the opening is free.
  cluster_ii_2023.ok(organizer(), [] {
    pb::Command c;
    c.mutable_void_handover()->set_reason("Cụm được tổ chức lại");
    return c;
  }());
  EXPECT_FALSE(cluster_ii_2023.state().handed_over);
  EXPECT_EQ(code(cluster_ii_2023.state(), open_ii(reformed, "CA-LangSon", "CA-CaoBang")), "OK");
}

TEST_F(handover_checks, a_void_reason_with_no_handover_to_void_is_refused) {
  const domain::cycle_state nothing;
  EXPECT_EQ(code(nothing, open_ii(cluster_ii_members(), "CA-LaiChau", "")), "OK") << "no previous cycle";
  EXPECT_EQ(code(nothing, open_ii(cluster_ii_members(), "CA-LaiChau", "", "Cụm được tổ chức lại")),
            "NO_HANDOVER");
}

TEST_F(handover_checks, a_member_that_merged_before_the_year_counts_as_the_unit_that_continues_it) {
  // Cluster II of 2025 handed over to Lạng Sơn for 2026 (the same cycle a year later, for the sake of the
  // test).
  domain::cycle_state ii_2025 = cluster_ii_2023.state();
  ii_2025.key.set_year(2025);
  auto members = cluster_ii_members();
  std::replace(members.begin(), members.end(), std::string("CA-HaGiang"), std::string("CA-TuyenQuang"));
  EXPECT_EQ(code(ii_2025, open_ii(members, "CA-LangSon", "CA-CaoBang"), 2026), "OK");
  EXPECT_EQ(code(ii_2025, open_ii(cluster_ii_members(), "CA-LangSon", "CA-CaoBang"), 2026),
            "HANDOVER_CONTRADICTED")
      << "Hà Giang no longer exists in 2026";
}

TEST_F(handover_checks, only_the_organizers_well_formed_opening_is_asked) {
  EXPECT_EQ(code(cluster_ii_2023.state(), open_ii(cluster_ii_members(), "CA-LaiChau", ""), 2024,
                 as("CA-LaiChau", pb::CHAIR)),
            "OK")
      << "the cycle refuses a chair's opening itself (NOT_ORGANIZER)";
  EXPECT_EQ(code(cluster_ii_2023.state(), cmd::launch()), "OK") << "not an opening";
}

}  // namespace
}  // namespace thidua::testing
