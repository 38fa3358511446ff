#include "domain/cycle_in_full.h"

#include <algorithm>
#include <utility>

#include "domain/cycle_decider.h"

namespace thidua::domain {
namespace {

// The day and place an event names itself (not when it was recorded).
std::pair<std::string, std::string> date_and_place(const pb::Event& e) {
  switch (e.body_case()) {
    case pb::Event::kCycleOpened:
      return {e.cycle_opened().details().date(), {}};
    case pb::Event::kLaunchConferenceHeld:
      return {e.launch_conference_held().details().date(), e.launch_conference_held().details().place()};
    case pb::Event::kPledgeSigned:
      return {e.pledge_signed().details().date(), {}};
    case pb::Event::kPledgeContinued:
      return {e.pledge_continued().date(), {}};
    case pb::Event::kAppraisalConferenceHeld:
      return {e.appraisal_conference_held().details().date(),
              e.appraisal_conference_held().details().place()};
    case pb::Event::kActivityRecorded:
      return {e.activity_recorded().details().date(), {}};
    case pb::Event::kMidYearReviewHeld:
      return {e.mid_year_review_held().details().date(), e.mid_year_review_held().details().place()};
    case pb::Event::kYearEndSummaryHeld:
      return {e.year_end_summary_held().details().date(), e.year_end_summary_held().details().place()};
    case pb::Event::kNominationVoteRecorded:
      return {e.nomination_vote_recorded().date(), {}};
    case pb::Event::kNominationsAdopted:
      return {e.nominations_adopted().date(), {}};
    case pb::Event::kDossierSubmitted:
      return {e.dossier_submitted().details().date(), {}};
    case pb::Event::kChairHandedOver:
      return {e.chair_handed_over().details().date(), {}};
    case pb::Event::kAwardDecisionRecorded:
      return {e.award_decision_recorded().details().date(), {}};
    case pb::Event::kCycleClosed:
      return {e.cycle_closed().date(), {}};
    case pb::Event::kMembershipChanged:
      return {e.membership_changed().details().effective_date(), {}};
    default:
      return {};
  }
}

pb::ScoreRow& row_of(std::map<std::string, pb::ScoreRow>& rows, const std::string& unit) {
  auto& row = rows[unit];
  row.set_unit_id(unit);
  return row;
}

}  // namespace

void cycle_in_full_builder::add(const pb::Event& e, const event_meta& meta, const recorded_by& actor) {
  const std::uint64_t position = meta.position;
  auto* step = out_.add_timeline();
  step->set_position(position);
  step->set_recorded_at_ms(meta.recorded_at_ms);
  step->set_type(cycle_decider::event_type(e));
  auto [date, place] = date_and_place(e);
  step->set_date(std::move(date));
  step->set_place(std::move(place));
  step->set_actor_unit_id(actor.unit_id);
  step->set_actor_person(actor.person);
  step->set_actor_role(actor.role);
  *step->mutable_event() = e;
  step_at_[position] = out_.timeline_size() - 1;

  // The settings in force when a vote was taken count for it: the tally reads the state before this event.
  switch (e.body_case()) {
    case pb::Event::kLaunchConferenceHeld:
      *out_.mutable_launch() = e.launch_conference_held().details();
      break;
    case pb::Event::kPledgeContentsAdopted:
      *out_.mutable_pledge_contents() = e.pledge_contents_adopted().contents();
      out_.set_pledge_through_year(e.pledge_contents_adopted().through_year());
      break;
    case pb::Event::kPledgeContinued:
      out_.set_pledge_continued_from_year(e.pledge_continued().from_year());
      out_.set_pledge_through_year(e.pledge_continued().through_year());
      break;
    case pb::Event::kPledgeSigned: {
      const auto& d = e.pledge_signed().details();
      auto& cell = signatures_[d.unit_id()];
      cell.set_unit_id(d.unit_id());
      cell.set_signed_(true);
      *cell.mutable_signatory() = d.signatory();
      cell.set_date(d.date());
      cell.set_position(position);
      break;
    }
    case pb::Event::kMidYearReviewHeld:
      *out_.mutable_mid_year() = e.mid_year_review_held().details();
      break;
    case pb::Event::kAppraisalConferenceHeld:
      *out_.mutable_appraisal() = e.appraisal_conference_held().details();
      break;
    case pb::Event::kSelfAssessmentSubmitted: {
      const auto& s = e.self_assessment_submitted();
      auto& row = row_of(scores_, s.details().unit_id());
      *row.mutable_self_assessed() = s.details().scores();
      *row.mutable_achievements() = s.details().achievements();
      row.set_self_total(s.total_points());
      break;
    }
    case pb::Event::kScoresVerified: {
      const auto& s = e.scores_verified();
      auto& row = row_of(scores_, s.details().unit_id());
      *row.mutable_verified() = s.details().scores();
      row.set_verified_total(s.total_points());
      break;
    }
    case pb::Event::kYearEndSummaryHeld:
      *out_.mutable_year_end() = e.year_end_summary_held().details();
      *out_.mutable_ranking() = e.year_end_summary_held().ranking();
      for (const auto& r : e.year_end_summary_held().ranking())
        row_of(scores_, r.unit_id()).set_rank(r.rank());
      break;
    case pb::Event::kNominationVoteRecorded: {
      const auto& v = e.nomination_vote_recorded();
      auto* t = out_.add_votes();
      t->set_position(position);
      t->set_date(v.date());
      t->set_award(v.award());
      t->set_members_present(v.members_present());
      t->set_members_total(v.members_total());
      t->set_quorum_percent(state_.quorum_percent());
      t->set_quorum_met(static_cast<std::uint64_t>(v.members_present()) * 100 >=
                        static_cast<std::uint64_t>(state_.quorum_percent()) * v.members_total());
      t->set_pass_threshold_percent(state_.pass_threshold_percent());
      *t->mutable_results() = v.results();
      break;
    }
    case pb::Event::kNominationsAdopted:
      *out_.mutable_nominations() = e.nominations_adopted().nominees();
      break;
    case pb::Event::kAwardDecisionRecorded: {
      auto* d = out_.add_decisions();
      d->set_position(position);
      *d->mutable_decision() = e.award_decision_recorded().details();
      break;
    }
    case pb::Event::kAwardRevoked: {
      auto* r = out_.add_revocations();
      r->set_position(position);
      *r->mutable_revocation() = e.award_revoked().details();
      break;
    }
    case pb::Event::kChairHandedOver: {
      auto* h = out_.add_handovers();
      h->set_position(position);
      *h->mutable_handover() = e.chair_handed_over().details();
      break;
    }
    case pb::Event::kHandoverVoided:
      // Voids the handover in force: the last one not voided yet.
      for (int i = out_.handovers_size() - 1; i >= 0; --i) {
        auto* h = out_.mutable_handovers(i);
        if (h->voided()) continue;
        h->set_voided(true);
        h->set_void_reason(e.handover_voided().reason());
        h->set_voided_at_position(position);
        break;
      }
      break;
    case pb::Event::kMembershipChanged: {
      const auto& m = e.membership_changed();
      auto* entry = out_.add_membership_changes();
      entry->set_position(position);
      *entry->mutable_change() = m.details();
      *entry->mutable_inherited() = m.inherited();
      // A successor that takes over the signature signs in the unit's place.
      const auto& successor = m.details().successor_unit_id();
      const bool signature =
          std::find(m.inherited().begin(), m.inherited().end(), "signature") != m.inherited().end();
      if (!successor.empty() && signature && signatures_.count(m.details().unit_id()) &&
          !signatures_.count(successor)) {
        auto cell = signatures_[m.details().unit_id()];
        cell.set_unit_id(successor);
        signatures_[successor] = cell;
      }
      break;
    }
    case pb::Event::kCorrectionRecorded: {
      const auto& d = e.correction_recorded().details();
      if (auto it = step_at_.find(d.corrects_position()); it != step_at_.end()) {
        auto* c = out_.mutable_timeline(it->second)->add_corrected_by();
        c->set_position(position);
        c->set_recorded_at_ms(meta.recorded_at_ms);
        c->set_actor_person(actor.person);
        c->set_reason(d.reason());
        c->set_corrected_text(d.corrected_text());
      }
      break;
    }
    default:
      break;
  }
  cycle_decider::apply_to_cycle(state_, e);
}

pb::CycleInFull cycle_in_full_builder::result() const {
  pb::CycleInFull out = out_;
  if (state_.opened) *out.mutable_criteria() = state_.settings.criteria();
  // The pledge matrix's columns and the score table's rows: the members in order, then anyone else who
  // signed or was scored (a member that left during the year).
  std::vector<std::string> units = state_.members;
  auto also = [&](const auto& by_unit) {
    for (const auto& [unit, _] : by_unit)
      if (std::find(units.begin(), units.end(), unit) == units.end()) units.push_back(unit);
  };
  also(signatures_);
  also(scores_);
  for (const auto& unit : units) {
    if (auto it = signatures_.find(unit); it != signatures_.end()) {
      *out.add_signatures() = it->second;
    } else {
      out.add_signatures()->set_unit_id(unit);
    }
    if (auto it = scores_.find(unit); it != scores_.end()) *out.add_scores() = it->second;
  }
  return out;
}

}  // namespace thidua::domain
