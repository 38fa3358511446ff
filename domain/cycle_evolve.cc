// evolve: the state after an event. Pure and total: an event that was accepted once always applies.

#include "domain/cycle_decider.h"
#include "domain/deadline_timers.h"
#include "domain/membership_change.h"

namespace thidua::domain {

series_state cycle_decider::evolve(state s, const event& e) {
  apply_to_cycle(s.cycles[e.cluster()], e);
  if (e.has_cycle_opened())
    for (const auto& unit : e.cycle_opened().details().member_unit_ids())
      s.cluster_of_unit[unit] = e.cluster();
  // A successor from another cluster of the series sits in both for the rest of the year: the mergers do not
  // wait for the cycle. The rule of one cluster per series and year is the openings'.
  if (e.has_membership_changed() && !e.membership_changed().details().successor_unit_id().empty())
    s.cluster_of_unit.try_emplace(e.membership_changed().details().successor_unit_id(), e.cluster());
  if (e.has_cycle_dissolved())
    std::erase_if(s.cluster_of_unit, [&](const auto& entry) { return entry.second == e.cluster(); });
  return s;
}

void cycle_decider::apply_to_cycle(cycle_state& s, const event& e) {
  // A deadline notice is the server's, not a record anyone acts on: a client's expected_version stays good.
  if (e.has_deadline_approaching()) {
    const auto& n = e.deadline_approaching();
    s.notices_given.insert(notice_key(pb::NOTICE_REMINDER, n.step(), n.date()));
    return;
  }
  if (e.has_step_overdue()) {
    const auto& n = e.step_overdue();
    s.notices_given.insert(notice_key(pb::NOTICE_OVERDUE, n.step(), n.date()));
    return;
  }
  ++s.version;
  switch (e.body_case()) {
    case pb::Event::kCycleOpened: {
      const auto& o = e.cycle_opened();
      s.opened = true;
      s.dissolved = false;
      s.dissolved_reason.clear();
      s.key = o.cycle();
      s.key.set_number(normalize_cluster_number(o.cycle().number()));
      s.cluster_name = o.details().cluster_name();
      s.members.assign(o.details().member_unit_ids().begin(), o.details().member_unit_ids().end());
      s.chair = o.details().chair_unit_id();
      s.vice_chair = o.details().vice_chair_unit_id();
      s.settings = o.details().settings();
      s.recorded_on = o.recorded_on();
      break;
    }
    case pb::Event::kLaunchConferenceHeld:
      s.launched = true;
      break;
    case pb::Event::kPledgeContentsAdopted:
      s.contents_adopted = true;
      s.pledge_through_year = e.pledge_contents_adopted().through_year()
                                  ? e.pledge_contents_adopted().through_year()
                                  : s.key.year();
      break;
    case pb::Event::kPledgeContinued:
      s.contents_adopted = true;
      s.pledge_active = true;
      s.signed_units.insert(s.members.begin(), s.members.end());
      s.pledge_through_year = e.pledge_continued().through_year();
      s.pledge_continued_from = e.pledge_continued().from_year();
      break;
    case pb::Event::kAppraisalConferenceHeld:
      s.appraisal_done = true;
      break;
    case pb::Event::kPledgeSigned:
      s.signed_units.insert(e.pledge_signed().details().unit_id());
      break;
    case pb::Event::kPledgeActivated:
      s.pledge_active = true;
      break;
    case pb::Event::kActivityRecorded:
      for (const auto& c : e.activity_recorded().details().contributions())
        s.contributions_vnd += c.amount_vnd();
      break;
    case pb::Event::kMidYearReviewHeld:
      s.mid_year_done = true;
      break;
    case pb::Event::kSelfAssessmentSubmitted:
      s.self_totals[e.self_assessment_submitted().details().unit_id()] =
          e.self_assessment_submitted().total_points();
      break;
    case pb::Event::kScoresVerified:
      s.verified_totals[e.scores_verified().details().unit_id()] = e.scores_verified().total_points();
      break;
    case pb::Event::kYearEndSummaryHeld:
      s.summary_done = true;
      s.ranking.assign(e.year_end_summary_held().ranking().begin(),
                       e.year_end_summary_held().ranking().end());
      break;
    case pb::Event::kNominationVoteRecorded:
      for (const auto& r : e.nomination_vote_recorded().results())
        if (r.passed()) s.nominated[r.vote().unit_id()] = e.nomination_vote_recorded().award();
      break;
    case pb::Event::kNominationsAdopted:
      s.nominations_adopted = true;
      for (const auto& n : e.nominations_adopted().nominees()) s.adopted[n.unit_id()] = n.award();
      break;
    case pb::Event::kDossierSubmitted:
      s.dossier_submitted = true;
      break;
    case pb::Event::kChairHandedOver:
      s.handed_over = true;
      s.next_chair = e.chair_handed_over().details().next_chair_unit_id();
      s.next_vice_chair = e.chair_handed_over().details().next_vice_chair_unit_id();
      break;
    case pb::Event::kHandoverVoided:
      s.handed_over = false;
      s.next_chair.clear();
      s.next_vice_chair.clear();
      break;
    case pb::Event::kAwardDecisionRecorded:
      for (const auto& o : e.award_decision_recorded().details().outcomes())
        s.decided[o.unit_id()] = o.granted();
      break;
    case pb::Event::kCycleClosed:
      s.closed = true;
      break;
    case pb::Event::kAwardRevoked:
      s.revoked.insert(e.award_revoked().details().unit_id());
      break;
    case pb::Event::kSettingsChanged:
      s.settings = e.settings_changed().settings();
      break;
    case pb::Event::kCorrectionRecorded:
      break;  // a correction annotates history; the state it names stays
    case pb::Event::kMembershipChanged:
      apply_membership_change(s, e.membership_changed());
      break;
    case pb::Event::kCycleDissolved: {
      // Back to not opened, keeping what outlives the opening: the count of events (versions go on), who was
      // a member, the key for the views.
      cycle_state fresh;
      fresh.version = s.version;
      fresh.former_members = std::move(s.former_members);
      fresh.former_members.insert(s.members.begin(), s.members.end());
      fresh.key = std::move(s.key);
      fresh.cluster_name = std::move(s.cluster_name);
      fresh.dissolved = true;
      fresh.dissolved_reason = e.cycle_dissolved().reason();
      s = std::move(fresh);
      break;
    }
    case pb::Event::kDeadlineApproaching:  // handled above
    case pb::Event::kStepOverdue:
    case pb::Event::BODY_NOT_SET:
      break;
  }
}

}  // namespace thidua::domain
