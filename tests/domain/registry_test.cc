// The registry of units and clusters: renames and merges keep history readable; each rule refuses the wrong
// thing.

#include "domain/registry_decider.h"

#include <gtest/gtest.h>

#include "tests/domain/commands.h"
#include "tests/domain/cycle_harness.h"

namespace thidua::testing {
namespace {

using domain::registry_decider;

class registry : public ::testing::Test {
 protected:
  domain::registry_state state = registry_decider::initial();

  std::string run(const pb::Actor& a, const pb::RegistryCommand& c) {
    auto r = registry_decider::decide(state, c, a, 0);
    if (auto* refused = std::get_if<domain::rejection>(&r)) {
      EXPECT_FALSE(refused->message_vi.empty());
      EXPECT_FALSE(refused->field.empty());
      return refused->code;
    }
    for (const auto& e : std::get<std::vector<pb::RegistryEvent>>(r)) {
      auto back = registry_decider::decode(registry_decider::event_type(e), registry_decider::encode(e));
      EXPECT_TRUE(back.has_value());
      state = registry_decider::evolve(state, *back);
    }
    return "OK";
  }
  static pb::RegistryCommand reg(const std::string& id, const std::string& name,
                                 pb::UnitKind kind = pb::PROVINCIAL_POLICE, const std::string& parent = "") {
    pb::RegistryCommand c;
    c.mutable_register_unit()->set_unit_id(id);
    c.mutable_register_unit()->set_name(name);
    c.mutable_register_unit()->set_kind(kind);
    c.mutable_register_unit()->set_parent_unit_id(parent);
    return c;
  }
  static pb::RegistryCommand rename(const std::string& id, const std::string& name, const std::string& date) {
    pb::RegistryCommand c;
    c.mutable_rename_unit()->set_unit_id(id);
    c.mutable_rename_unit()->set_name(name);
    c.mutable_rename_unit()->set_effective_date(date);
    return c;
  }
  static pb::RegistryCommand merge(const std::string& id, const std::string& into, const std::string& date) {
    pb::RegistryCommand c;
    c.mutable_merge_unit()->set_unit_id(id);
    c.mutable_merge_unit()->set_into_unit_id(into);
    c.mutable_merge_unit()->set_effective_date(date);
    return c;
  }
  static pb::RegistryCommand dissolve(const std::string& id, const std::string& date,
                                      const std::string& reason) {
    pb::RegistryCommand c;
    c.mutable_dissolve_unit()->set_unit_id(id);
    c.mutable_dissolve_unit()->set_effective_date(date);
    c.mutable_dissolve_unit()->set_reason(reason);
    return c;
  }
  static pb::RegistryCommand cluster(const std::string& org, const std::string& series,
                                     const std::string& number, const std::string& name) {
    pb::RegistryCommand c;
    c.mutable_define_cluster()->set_organizer_id(org);
    c.mutable_define_cluster()->set_series(series);
    c.mutable_define_cluster()->set_number(number);
    c.mutable_define_cluster()->set_name(name);
    return c;
  }
};

TEST_F(registry, registers_units_once_with_valid_ids_by_an_organizers_office_only) {
  EXPECT_EQ(run(as("CA-LaiChau", pb::CHAIR), reg("CA-LaiChau", "Công an tỉnh Lai Châu")), "NOT_ORGANIZER");
  EXPECT_EQ(run(organizer(), reg("CA Lai Chau", "Công an tỉnh Lai Châu")), "INVALID_UNIT_ID");
  EXPECT_EQ(run(organizer(), reg("CA-LaiChau", "")), "MISSING_FIELD");
  EXPECT_EQ(run(organizer(), reg("CA-LaiChau", "Công an tỉnh Lai Châu")), "OK");
  EXPECT_EQ(run(organizer(), reg("CA-LaiChau", "Công an tỉnh Lai Châu")), "UNIT_ALREADY_REGISTERED");
  EXPECT_EQ(state.name_on("CA-LaiChau"), "Công an tỉnh Lai Châu") << "diacritics kept exactly";
  EXPECT_EQ(run(organizer(), reg("HD-PA05", "Phòng An ninh nội địa", pb::INTERNAL_DIVISION, "CA-HaiDuong")),
            "UNIT_NOT_FOUND");
  EXPECT_EQ(run(organizer(), reg("CA-HaiDuong", "Công an tỉnh Hải Dương")), "OK");
  EXPECT_EQ(run(organizer(), reg("HD-PA05", "Phòng An ninh nội địa", pb::INTERNAL_DIVISION, "CA-HaiDuong")),
            "OK");
}

TEST_F(registry, a_renamed_unit_keeps_its_old_name_for_the_dates_before) {
  ASSERT_EQ(run(organizer(), reg("BCA-X03", "Cục Công tác đảng và công tác chính trị")), "OK");
  EXPECT_EQ(run(organizer(), rename("BCA-X03", "Cục Công tác đảng và công tác chính trị", "2025-03-01")),
            "NAME_UNCHANGED");
  EXPECT_EQ(run(organizer(), rename("BCA-X03", "Cục Công tác chính trị", "1/3/2025")), "INVALID_DATE");
  EXPECT_EQ(run(organizer(), rename("BCA-X99", "Cục mới", "2025-03-01")), "UNIT_NOT_FOUND");
  ASSERT_EQ(run(organizer(), rename("BCA-X03", "Cục Công tác chính trị", "2025-03-01")), "OK");
  EXPECT_EQ(run(organizer(), rename("BCA-X03", "Cục Chính trị", "2025-02-01")), "DATE_BEFORE_PREVIOUS");
  EXPECT_EQ(state.name_on("BCA-X03", "2020-07-07"), "Cục Công tác đảng và công tác chính trị");
  EXPECT_EQ(state.name_on("BCA-X03", "2025-03-01"), "Cục Công tác chính trị");
  EXPECT_EQ(state.name_on("BCA-X03"), "Cục Công tác chính trị");
}

TEST_F(registry, a_merged_unit_is_continued_by_another_and_acts_no_more) {
  ASSERT_EQ(run(organizer(), reg("CA-HaGiang", "Công an tỉnh Hà Giang")), "OK");
  ASSERT_EQ(run(organizer(), reg("CA-TuyenQuang", "Công an tỉnh Tuyên Quang")), "OK");
  EXPECT_EQ(run(organizer(), merge("CA-HaGiang", "CA-HaGiang", "2025-07-01")), "CANNOT_MERGE_INTO_ITSELF");
  EXPECT_EQ(run(organizer(), merge("CA-HaGiang", "CA-Nowhere", "2025-07-01")), "UNIT_NOT_FOUND");
  EXPECT_EQ(run(organizer(), merge("CA-HaGiang", "CA-TuyenQuang", "")), "INVALID_DATE");
  ASSERT_EQ(run(organizer(), merge("CA-HaGiang", "CA-TuyenQuang", "2025-07-01")), "OK");
  EXPECT_EQ(state.successor("CA-HaGiang"), "CA-TuyenQuang");
  EXPECT_EQ(state.name_on("CA-HaGiang", "2023-11-25"), "Công an tỉnh Hà Giang")
      << "the 2023 Ministry flag stays readable under Hà Giang's name";
  EXPECT_EQ(run(organizer(), rename("CA-HaGiang", "x", "2025-08-01")), "UNIT_MERGED");
  EXPECT_EQ(run(organizer(), merge("CA-TuyenQuang", "CA-HaGiang", "2025-08-01")), "UNIT_MERGED");
}

TEST_F(registry, clusters_are_defined_once_by_their_organizer_with_normalized_numbers) {
  EXPECT_EQ(run(organizer("CA-tinh-Hai-Duong"), cluster("BCA", "dia-phuong", "II", "Cụm thi đua số II")),
            "NOT_ORGANIZER");
  EXPECT_EQ(run(organizer(), cluster("BCA", "dia-phuong", "II?", "Cụm thi đua số II")),
            "INVALID_CLUSTER_KEY");
  EXPECT_EQ(run(organizer(), cluster("BCA", "dia-phuong", "II", "")), "MISSING_FIELD");
  ASSERT_EQ(run(organizer(), cluster("BCA", "dia-phuong", "II", "Cụm thi đua số II - Bộ Công an")), "OK");
  EXPECT_EQ(run(organizer(), cluster("BCA", "dia-phuong", "2", "Cụm thi đua số 2")),
            "CLUSTER_ALREADY_DEFINED")
      << "II and 2 are the same cluster";
  EXPECT_EQ(state.clusters.at("BCA/dia-phuong/2"), "Cụm thi đua số II - Bộ Công an");
}

TEST_F(registry, a_dissolved_unit_names_its_decision_and_acts_no_more) {
  ASSERT_EQ(run(organizer(), reg("BCA-C99", "Cục thí điểm")), "OK");
  EXPECT_EQ(run(organizer(), dissolve("BCA-C99", "2025-03-01", "")), "MISSING_FIELD");
  EXPECT_EQ(run(organizer(), dissolve("BCA-C99", "3/2025", "Quyết định số 1/QĐ-BCA")), "INVALID_DATE");
  EXPECT_EQ(run(organizer(), dissolve("BCA-C00", "2025-03-01", "Quyết định số 1/QĐ-BCA")), "UNIT_NOT_FOUND");
  ASSERT_EQ(run(organizer(), dissolve("BCA-C99", "2025-03-01", "Quyết định số 1/QĐ-BCA")), "OK");
  EXPECT_EQ(state.units.at("BCA-C99").ceased_on(), "2025-03-01");
  EXPECT_EQ(run(organizer(), dissolve("BCA-C99", "2025-04-01", "again")), "UNIT_DISSOLVED");
  EXPECT_EQ(run(organizer(), rename("BCA-C99", "Cục mới", "2025-04-01")), "UNIT_DISSOLVED");
}

// Opening a cycle (the registry's part, asked by the application before the cycle decides).
class registry_at_open : public registry {
 protected:
  void SetUp() override {
    for (auto [id, name] : {std::pair{"CA-HaGiang", "Công an tỉnh Hà Giang"},
                            {"CA-TuyenQuang", "Công an tỉnh Tuyên Quang"},
                            {"CA-LaiChau", "Công an tỉnh Lai Châu"},
                            {"BCA-C99", "Cục thí điểm"}})
      ASSERT_EQ(run(organizer(), reg(id, name)), "OK");
    ASSERT_EQ(run(organizer(), cluster("BCA", "dia-phuong", "II", "Cụm thi đua số II")), "OK");
    ASSERT_EQ(run(organizer(), merge("CA-HaGiang", "CA-TuyenQuang", "2025-07-01")), "OK");
    ASSERT_EQ(run(organizer(), dissolve("BCA-C99", "2024-12-31", "Quyết định số 1/QĐ-BCA")), "OK");
  }
  std::string open_code(const std::string& number, unsigned year, const std::vector<std::string>& members,
                        const pb::Actor& actor = organizer()) {
    pb::Command c = cmd::open("Cụm thi đua số II", members, members.front(), "");
    *c.mutable_cycle() = cmd::key("BCA", "dia-phuong", number, year);
    auto refused = domain::registry_refusal(state, c, actor);
    if (!refused) return "OK";
    EXPECT_FALSE(refused->message_vi.empty());
    EXPECT_FALSE(refused->field.empty());
    return refused->code;
  }
};

TEST_F(registry_at_open, a_cycle_opens_only_for_a_defined_cluster_of_registered_units_that_still_exist) {
  EXPECT_EQ(open_code("II", 2025, {"CA-LaiChau", "CA-HaGiang"}), "OK")
      << "Hà Giang existed on 1 January 2025: its mid-year merger is changed in the cycle";
  EXPECT_EQ(open_code("2", 2026, {"CA-LaiChau", "CA-TuyenQuang"}), "OK") << "II and 2 are the same cluster";
  EXPECT_EQ(open_code("III", 2026, {"CA-LaiChau", "CA-TuyenQuang"}), "CLUSTER_NOT_DEFINED");
  EXPECT_EQ(open_code("II", 2026, {"CA-LaiChau", "CA-DienBien"}), "UNIT_NOT_REGISTERED");
  EXPECT_EQ(open_code("II", 2026, {"CA-LaiChau", "CA-HaGiang"}), "UNIT_CEASED") << "merged on 2025-07-01";
  EXPECT_EQ(open_code("II", 2025, {"CA-LaiChau", "BCA-C99"}), "UNIT_CEASED") << "dissolved on 2024-12-31";
  EXPECT_EQ(open_code("II", 2024, {"CA-LaiChau", "BCA-C99"}), "OK");
}

TEST_F(registry_at_open, a_change_of_membership_repeats_what_the_registry_records) {
  auto change_code = [&](const std::string& unit, const std::string& successor, const std::string& date) {
    pb::Command c;
    *c.mutable_cycle() = cmd::key("BCA", "dia-phuong", "II", 2025);
    auto* m = c.mutable_change_membership();
    m->set_unit_id(unit);
    m->set_successor_unit_id(successor);
    m->set_effective_date(date);
    m->set_reason("Nghị quyết số 202/2025/QH15");
    auto refused = domain::registry_refusal(state, c, organizer());
    if (!refused) return std::string("OK");
    EXPECT_FALSE(refused->message_vi.empty());
    return refused->code + " " + refused->field;
  };
  EXPECT_EQ(change_code("CA-HaGiang", "CA-TuyenQuang", "2025-07-01"), "OK");
  EXPECT_EQ(change_code("CA-HaGiang", "CA-LaiChau", "2025-07-01"),
            "CHANGE_NOT_IN_REGISTRY change_membership.successor_unit_id");
  EXPECT_EQ(change_code("CA-HaGiang", "CA-TuyenQuang", "2025-06-30"),
            "CHANGE_NOT_IN_REGISTRY change_membership.effective_date");
  EXPECT_EQ(change_code("CA-HaGiang", "", "2025-07-01"),
            "CHANGE_NOT_IN_REGISTRY change_membership.successor_unit_id")
      << "merged, not dissolved";
  EXPECT_EQ(change_code("CA-LaiChau", "CA-TuyenQuang", "2025-07-01"),
            "CHANGE_NOT_IN_REGISTRY change_membership.unit_id")
      << "Lai Châu neither merged nor dissolved";
  EXPECT_EQ(change_code("CA-HaGiang", "CA-DienBien", "2025-07-01"),
            "UNIT_NOT_REGISTERED change_membership.successor_unit_id");
  EXPECT_EQ(change_code("BCA-C99", "", "2024-12-31"), "OK");
}

TEST_F(registry_at_open, the_registry_tells_nothing_to_whom_the_cycle_refuses_anyway) {
  EXPECT_EQ(open_code("III", 2026, {"CA-LaiChau"}, as("CA-LaiChau", pb::CHAIR)), "OK")
      << "a chair hears NOT_ORGANIZER from the cycle, not whether cluster III exists";
  EXPECT_EQ(open_code("III", 2026, {"CA-LaiChau"}, organizer("CA-tinh-Hai-Duong")), "OK");
  EXPECT_EQ(open_code("II?", 2026, {"CA-LaiChau"}), "OK") << "the cycle refuses the key (INVALID_CYCLE_KEY)";
}

}  // namespace
}  // namespace thidua::testing
