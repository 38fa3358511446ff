// A cycle in full, folded from the real Cluster II 2023 cycle: each table says what the minutes say, and a
// step that was corrected shows its correction beside it.

#include "domain/cycle_in_full.h"

#include <gtest/gtest.h>

#include "tests/domain/cluster_ii_script.h"

namespace thidua::testing {
namespace {

class cycle_in_full_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto script = cluster_ii_script();
    const auto close = script.back();
    script.pop_back();
    for (auto& [actor, command] : script) {
      run(actor, command);
      if (command.has_hand_over_chair() && !voided_) {
        // The organizer voids the first handover; the chair hands over again.
        voided_ = true;
        pb::Command void_it;
        void_it.mutable_void_handover()->set_reason("Cụm được tổ chức lại");
        run(organizer(), void_it);
        run(actor, command);
      }
    }
    // The launch conference's place corrected (it is the cycle's second event, at position 2).
    pb::Command correct;
    auto* c = correct.mutable_correction();
    c->set_corrects_position(2);
    c->set_corrects_event_type("LaunchConferenceHeld");
    c->set_reason("sai địa điểm");
    c->set_corrected_text("Hội nghị tổ chức tại Điện Biên");
    auto* target = c->mutable_target();
    target->set_stream_version(2);
    target->set_cluster("2");
    target->set_type("LaunchConferenceHeld");
    run(as("CA-LaiChau", pb::CHAIR), correct);
    run(close.first, close.second);
    full_ = builder_.result();
  }

  void run(const pb::Actor& actor, pb::Command command) {
    *command.mutable_cycle() = cluster_ii_key();
    for (const auto& e : h_.ok(actor, std::move(command))) {
      ++position_;
      builder_.add(e,
                   {"cycles/BCA/dia-phuong/2023", position_,
                    static_cast<std::int64_t>(1'700'000'000'000 + position_ * 1000), position_},
                   {actor.unit_id(), actor.rank() + " " + actor.person_name(), pb::Role_Name(actor.role())});
    }
  }

  cycle_harness h_{cluster_ii_key()};
  domain::cycle_in_full_builder builder_;
  std::uint64_t position_ = 0;
  bool voided_ = false;
  pb::CycleInFull full_;
};

TEST_F(cycle_in_full_test, the_timeline_has_every_step_with_its_day_place_and_who_recorded_it) {
  ASSERT_EQ(full_.timeline_size(), static_cast<int>(position_));
  for (int i = 0; i < full_.timeline_size(); ++i) EXPECT_EQ(full_.timeline(i).position(), i + 1u);
  const auto& launch = full_.timeline(1);
  EXPECT_EQ(launch.type(), "LaunchConferenceHeld");
  EXPECT_EQ(launch.date(), "2023-03-20");
  EXPECT_EQ(launch.place(), "Lai Châu");
  EXPECT_EQ(launch.actor_unit_id(), "CA-LaiChau");
  EXPECT_EQ(launch.actor_role(), "CHAIR");
  EXPECT_TRUE(launch.event().has_launch_conference_held()) << "the event in full";
  EXPECT_EQ(full_.timeline(0).actor_person(), "Đại tá Nguyễn Văn Bình") << "the organizer opened it";
  EXPECT_EQ(full_.timeline(full_.timeline_size() - 1).type(), "CycleClosed");
  EXPECT_EQ(full_.launch().place(), "Lai Châu");
}

TEST_F(cycle_in_full_test, a_correction_stands_beside_the_step_it_corrects) {
  ASSERT_EQ(full_.timeline(1).corrected_by_size(), 1);
  const auto& c = full_.timeline(1).corrected_by(0);
  EXPECT_EQ(c.reason(), "sai địa điểm");
  EXPECT_EQ(c.corrected_text(), "Hội nghị tổ chức tại Điện Biên");
  EXPECT_EQ(full_.timeline(static_cast<int>(c.position()) - 1).type(), "CorrectionRecorded");
  for (int i = 0; i < full_.timeline_size(); ++i)
    if (i != 1) {
      EXPECT_EQ(full_.timeline(i).corrected_by_size(), 0) << "step " << i + 1;
    }
}

TEST_F(cycle_in_full_test, the_pledge_matrix_names_each_members_signatory_and_day) {
  ASSERT_EQ(full_.pledge_contents_size(), 2);
  EXPECT_EQ(full_.pledge_contents(1).text(), "kéo giảm tội phạm về trật tự xã hội");
  ASSERT_EQ(full_.signatures_size(), 7);
  for (int i = 0; i < 7; ++i) {
    const auto& cell = full_.signatures(i);
    EXPECT_EQ(cell.unit_id(), cluster_ii_members()[static_cast<std::size_t>(i)]) << "in member order";
    EXPECT_TRUE(cell.signed_());
    EXPECT_EQ(cell.signatory().name(), "Đại tá Nguyễn Văn A");
    EXPECT_GT(cell.position(), 3u);
  }
}

TEST_F(cycle_in_full_test, the_score_table_sets_self_beside_verified_with_the_rank) {
  ASSERT_EQ(full_.scores_size(), 7);
  const auto& lai_chau = full_.scores(0);
  EXPECT_EQ(lai_chau.unit_id(), "CA-LaiChau");
  EXPECT_EQ(lai_chau.self_total(), 98u);
  EXPECT_EQ(lai_chau.verified_total(), 98u);
  ASSERT_GT(lai_chau.self_assessed_size(), 0);
  EXPECT_EQ(lai_chau.verified(0).criterion_id(), lai_chau.self_assessed(0).criterion_id());
  EXPECT_EQ(lai_chau.rank(), 1u);
  EXPECT_EQ(full_.scores(2).unit_id(), "CA-SonLa");
  EXPECT_EQ(full_.scores(2).rank(), 7u) << "88 points, the last";
  EXPECT_EQ(full_.ranking_size(), 7);
  EXPECT_EQ(full_.criteria_size(), 1);
  EXPECT_EQ(full_.mid_year().date(), "2023-07-10");
  EXPECT_EQ(full_.year_end().date(), "2023-11-25");
}

TEST_F(cycle_in_full_test, votes_show_counts_and_quorum_and_decisions_and_handovers_follow) {
  ASSERT_EQ(full_.votes_size(), 3);
  const auto& government = full_.votes(0);
  EXPECT_EQ(government.award(), pb::GOVERNMENT_FLAG);
  EXPECT_EQ(government.members_present(), 7u);
  EXPECT_EQ(government.members_total(), 7u);
  EXPECT_EQ(government.quorum_percent(), 100u);
  EXPECT_TRUE(government.quorum_met());
  EXPECT_EQ(government.pass_threshold_percent(), 50u);
  ASSERT_EQ(government.results_size(), 1);
  EXPECT_EQ(government.results(0).vote().votes_for(), 7u);
  EXPECT_TRUE(government.results(0).passed());
  EXPECT_EQ(full_.votes(1).results_size(), 3);
  EXPECT_EQ(full_.nominations_size(), 7);
  ASSERT_EQ(full_.decisions_size(), 2);
  EXPECT_EQ(full_.decisions(0).decision().decision_number(), "QĐ-TTg/2024");
  EXPECT_EQ(full_.decisions(1).decision().outcomes_size(), 6);
  ASSERT_EQ(full_.handovers_size(), 2);
  EXPECT_TRUE(full_.handovers(0).voided());
  EXPECT_EQ(full_.handovers(0).void_reason(), "Cụm được tổ chức lại");
  EXPECT_EQ(full_.handovers(0).voided_at_position(), full_.handovers(0).position() + 1);
  EXPECT_FALSE(full_.handovers(1).voided());
  EXPECT_EQ(full_.handovers(1).handover().next_chair_unit_id(), "CA-LangSon");
}

}  // namespace
}  // namespace thidua::testing
