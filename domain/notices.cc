#include "domain/notices.h"

#include <algorithm>
#include <set>

#include "domain/award_names.h"
#include "domain/deadlines.h"

namespace thidua::domain {
namespace {

bool contains(const google::protobuf::RepeatedPtrField<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string year_of(const pb::NoticeAudience& a) {
  return std::to_string(a.key().year());
}

std::string cluster_of(const pb::NoticeAudience& a) {
  return a.cluster_name().empty() ? "Cụm thi đua số " + a.key().number() : a.cluster_name();
}

// "25/11/2023" and " (25/11/2023)"-style pieces; nothing when the event names no date.
// A record's date may be a day, a month ("2023-07") or a year, as precise as the minutes are.
std::string on_vi(const std::string& date) {
  if (date.empty()) return "";
  if (date.size() == 7) return " tháng " + vietnamese_date(date);
  if (date.size() == 4) return " năm " + date;
  return " ngày " + vietnamese_date(date);
}
std::string on_en(const std::string& date) {
  if (date.empty()) return "";
  return (date.size() == 10 ? " on " : " in ") + date;
}

// Collects the notices of one event: each inbox at most once, in the order first added.
class notices_builder {
 public:
  explicit notices_builder(const pb::NoticeAudience& a) : audience_(a) {}
  void to(const std::string& inbox, std::string kind, std::string vi, std::string en, bool action = false) {
    if (inbox.empty() || !seen_.insert(inbox).second) return;
    out_.push_back({inbox, std::move(kind), std::move(vi), std::move(en), action});
  }
  // Every member but `except`, the same sentence.
  void to_members(const std::string& kind, const std::string& vi, const std::string& en,
                  const std::string& except = {}) {
    for (const auto& m : audience_.member_unit_ids())
      if (m != except) to(m, kind, vi, en);
  }
  void to_office(const std::string& kind, const std::string& vi, const std::string& en, bool action = false) {
    to(office_inbox(audience_.key().organizer_id()), kind, vi, en, action);
  }
  std::vector<notice> take() { return std::move(out_); }

 private:
  const pb::NoticeAudience& audience_;
  std::set<std::string> seen_;
  std::vector<notice> out_;
};

// "Công an tỉnh Cao Bằng, Công an tỉnh Lạng Sơn"
std::string names_of(const std::vector<std::string>& units, const unit_namer& name) {
  std::string s;
  for (const auto& u : units) s += (s.empty() ? "" : ", ") + name(u);
  return s;
}

void vote_result(notices_builder& b, const pb::NominationVoteRecorded& v, const unit_namer& name) {
  std::vector<std::string> passed, failed;
  for (const auto& r : v.results()) (r.passed() ? passed : failed).push_back(r.vote().unit_id());
  std::string vi = std::string("Kết quả bỏ phiếu đề nghị ") + award_vi(v.award()) + on_vi(v.date()) + " (" +
                   std::to_string(v.members_present()) + "/" + std::to_string(v.members_total()) +
                   " đơn vị có mặt): ";
  std::string en = std::string("Vote on nominations for ") + award_en(v.award()) + on_en(v.date()) + " (" +
                   std::to_string(v.members_present()) + " of " + std::to_string(v.members_total()) +
                   " members present): ";
  vi += passed.empty() ? "không đơn vị nào đạt" : names_of(passed, name) + " đạt";
  en += passed.empty() ? "no unit passed" : names_of(passed, name) + " passed";
  if (!failed.empty()) {
    vi += "; " + names_of(failed, name) + " không đạt";
    en += "; " + names_of(failed, name) + " did not pass";
  }
  b.to_members("vote_result", vi + ".", en + ".");
}

void nominations(notices_builder& b, const pb::NoticeAudience& a, const pb::NominationsAdopted& n) {
  const std::string count = std::to_string(n.nominees_size());
  const std::string year = year_of(a);
  // The chair sends the dossier next: told first, with what is asked of it.
  if (!a.chair_unit_id().empty())
    b.to(a.chair_unit_id(), "dossier_to_submit",
         "Cụm đã thông qua danh sách đề nghị khen thưởng năm " + year + " (" + count +
             " đơn vị): Cụm trưởng cần gửi hồ sơ đề nghị về Bộ.",
         "The cluster adopted its " + year + " nominations (" + count +
             " units): as chair, send the nomination dossier.",
         true);
  for (const auto& nominee : n.nominees())
    b.to(nominee.unit_id(), "nominated",
         "Cụm đã thống nhất đề nghị tặng đơn vị " + std::string(award_vi(nominee.award())) + " năm " + year +
             ".",
         "The cluster agreed to nominate your unit for " + std::string(award_en(nominee.award())) + " (" +
             year + ").");
  b.to_members("nominations_adopted",
               "Cụm đã thông qua danh sách đề nghị khen thưởng năm " + year + " (" + count + " đơn vị).",
               "The cluster adopted its " + year + " nominations (" + count + " units).");
  b.to_office(
      "nominations_adopted",
      cluster_of(a) + " đã thông qua danh sách đề nghị khen thưởng năm " + year + " (" + count + " đơn vị)" +
          on_vi(n.date()) + ".",
      cluster_of(a) + " adopted its " + year + " nominations (" + count + " units)" + on_en(n.date()) + ".");
}

void award_decision(notices_builder& b, const pb::NoticeAudience& a, const pb::RecordAwardDecision& d) {
  const std::string number = d.decision_number();
  for (const auto& o : d.outcomes()) {
    if (o.granted())
      b.to(o.unit_id(), "award_granted",
           "Quyết định số " + number + on_vi(d.date()) + ": đơn vị được tặng " + award_vi(o.award()) + ".",
           "Decision " + number + on_en(d.date()) + ": your unit is awarded " + award_en(o.award()) + ".");
    else
      b.to(
          o.unit_id(), "award_not_granted",
          "Quyết định số " + number + on_vi(d.date()) + ": đơn vị không được tặng " + award_vi(o.award()) +
              ".",
          "Decision " + number + on_en(d.date()) + ": your unit is not awarded " + award_en(o.award()) + ".");
  }
  b.to_members("award_decision",
               "Đã ghi nhận quyết định khen thưởng số " + number + on_vi(d.date()) + " (" +
                   std::to_string(d.outcomes_size()) + " đơn vị) của " + cluster_of(a) + ".",
               "Award decision " + number + on_en(d.date()) + " was recorded (" +
                   std::to_string(d.outcomes_size()) + " units).");
}

void membership(notices_builder& b, const pb::NoticeAudience& a, const pb::MembershipChanged& m,
                const unit_namer& name) {
  const auto& d = m.details();
  const std::string unit = name(d.unit_id());
  std::string vi, en;
  if (d.successor_unit_id().empty()) {
    vi = unit + " thôi là thành viên " + cluster_of(a) + " từ ngày " + vietnamese_date(d.effective_date());
    en = unit + " leaves " + cluster_of(a) + " from " + d.effective_date();
  } else {
    vi = unit + " được " + name(d.successor_unit_id()) + " tiếp nối trong " + cluster_of(a) + " từ ngày " +
         vietnamese_date(d.effective_date());
    en = unit + " is continued in " + cluster_of(a) + " by " + name(d.successor_unit_id()) + " from " +
         d.effective_date();
  }
  if (!d.reason().empty()) {
    vi += " (" + d.reason() + ")";
    en += " (" + d.reason() + ")";
  }
  b.to(d.successor_unit_id(), "membership_changed", vi + ".", en + ".");
  b.to_members("membership_changed", vi + ".", en + ".");
  b.to_office("membership_changed", vi + ".", en + ".");
}

void deadline(notices_builder& b, const pb::NoticeAudience& a, const std::string& kind,
              const std::string& step_vi, const std::string& step, const std::string& date,
              const google::protobuf::RepeatedPtrField<std::string>& owing, std::uint32_t days_left) {
  const bool overdue = kind == "step_overdue";
  const std::string en_step = step_en(step);
  std::string vi = overdue ? "Đã quá hạn " + step_vi + " (" + vietnamese_date(date) + ")"
                           : "Còn " + std::to_string(days_left) + " ngày đến hạn " + step_vi + " (" +
                                 vietnamese_date(date) + ")";
  std::string en = overdue ? "The deadline for the " + en_step + " (" + date + ") has passed"
                           : std::to_string(days_left) + " days left until the deadline for the " + en_step +
                                 " (" + date + ")";
  vi += ": đơn vị chưa hoàn thành.";
  en += ": your unit has not done it yet.";
  for (const auto& u : owing) b.to(u, kind, vi, en, true);
  if (overdue)
    b.to_office(
        kind,
        cluster_of(a) + " đã quá hạn " + step_vi + " năm " + year_of(a) + " (" + vietnamese_date(date) + ").",
        cluster_of(a) + " is past its " + year_of(a) + " deadline for the " + en_step + " (" + date + ").");
}

}  // namespace

const std::vector<std::string>& notice_kinds() {
  static const std::vector<std::string> kinds = {
      "cycle_opened",         "launch_held",       "pledge_to_sign",      "pledge_signed",
      "pledge_in_force",      "pledge_continued",  "self_assessment_due", "appraisal_held",
      "mid_year_review_held", "scores_to_verify",  "scores_verified",     "year_end_summary_held",
      "vote_result",          "dossier_to_submit", "nominated",           "nominations_adopted",
      "dossier_submitted",    "chair_handed_over", "handover_voided",     "award_granted",
      "award_not_granted",    "award_decision",    "cycle_closed",        "award_revoked",
      "settings_changed",     "record_corrected",  "cycle_dissolved",     "membership_changed",
      "deadline_approaching", "step_overdue"};
  return kinds;
}

std::string office_inbox(const std::string& organizer_id) {
  return "office:" + organizer_id;
}

std::string vietnamese_date(const std::string& iso) {
  const auto trim = [](std::string s) { return s[0] == '0' ? s.substr(1) : s; };
  if (iso.size() == 7 && iso[4] == '-') return trim(iso.substr(5, 2)) + "/" + iso.substr(0, 4);
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') return iso;
  return trim(iso.substr(8, 2)) + "/" + trim(iso.substr(5, 2)) + "/" + iso.substr(0, 4);
}

bool changes_audience(const pb::Event& e) {
  switch (e.body_case()) {
    case pb::Event::kCycleOpened:
    case pb::Event::kPledgeActivated:
    case pb::Event::kPledgeContinued:
    case pb::Event::kMidYearReviewHeld:
    case pb::Event::kSettingsChanged:
    case pb::Event::kMembershipChanged:
      return true;
    default:
      return false;
  }
}

void fold_audience(pb::NoticeAudience& a, const pb::Event& e) {
  switch (e.body_case()) {
    case pb::Event::kCycleOpened: {
      const auto& o = e.cycle_opened();
      a = pb::NoticeAudience();
      *a.mutable_key() = o.cycle();
      a.mutable_key()->set_number(e.cluster());
      a.set_cluster_name(o.details().cluster_name());
      a.set_chair_unit_id(o.details().chair_unit_id());
      a.set_vice_chair_unit_id(o.details().vice_chair_unit_id());
      *a.mutable_member_unit_ids() = o.details().member_unit_ids();
      a.set_skip_mid_year_review(o.details().settings().skip_mid_year_review());
      break;
    }
    case pb::Event::kPledgeActivated:
    case pb::Event::kPledgeContinued:
      a.set_pledge_active(true);
      break;
    case pb::Event::kMidYearReviewHeld:
      a.set_mid_year_done(true);
      break;
    case pb::Event::kSettingsChanged:
      a.set_skip_mid_year_review(e.settings_changed().settings().skip_mid_year_review());
      break;
    case pb::Event::kMembershipChanged: {
      const auto& d = e.membership_changed().details();
      auto& members = *a.mutable_member_unit_ids();
      const bool successor_in = contains(members, d.successor_unit_id());
      for (auto it = members.begin(); it != members.end(); ++it) {
        if (*it != d.unit_id()) continue;
        if (d.successor_unit_id().empty() || successor_in)
          members.erase(it);
        else
          *it = d.successor_unit_id();
        break;
      }
      if (a.chair_unit_id() == d.unit_id()) a.set_chair_unit_id(d.successor_unit_id());
      if (a.vice_chair_unit_id() == d.unit_id()) a.set_vice_chair_unit_id(d.successor_unit_id());
      break;
    }
    default:
      break;
  }
}

std::vector<notice> notices_of(const pb::NoticeAudience& a, const pb::Event& e, const unit_namer& name) {
  notices_builder b(a);
  const std::string year = year_of(a);
  const std::string cluster = cluster_of(a);
  switch (e.body_case()) {
    case pb::Event::kCycleOpened: {
      pb::NoticeAudience opened;
      fold_audience(opened, e);
      const auto& o = e.cycle_opened().details();
      notices_builder nb(opened);
      nb.to_members("cycle_opened",
                    cluster_of(opened) + " mở chu kỳ thi đua năm " + year_of(opened) + on_vi(o.date()) +
                        "; Cụm trưởng: " + name(o.chair_unit_id()) + ".",
                    cluster_of(opened) + " opened its " + year_of(opened) + " emulation cycle" +
                        on_en(o.date()) + "; chair: " + name(o.chair_unit_id()) + ".");
      return nb.take();
    }
    case pb::Event::kLaunchConferenceHeld: {
      const auto& d = e.launch_conference_held().details();
      b.to_members("launch_held",
                   "Hội nghị phát động phong trào thi đua năm " + year + " của Cụm đã tổ chức" +
                       on_vi(d.date()) + (d.place().empty() ? "" : " tại " + d.place()) + ".",
                   "The cluster's " + year + " launch conference was held" + on_en(d.date()) +
                       (d.place().empty() ? "" : " at " + d.place()) + ".");
      break;
    }
    case pb::Event::kPledgeContentsAdopted:
      for (const auto& m : a.member_unit_ids())
        b.to(m, "pledge_to_sign",
             "Nội dung giao ước thi đua năm " + year + " đã được thông qua (" +
                 std::to_string(e.pledge_contents_adopted().contents_size()) +
                 " nội dung): đơn vị cần ký giao ước.",
             "The " + year + " pledge contents were adopted (" +
                 std::to_string(e.pledge_contents_adopted().contents_size()) +
                 " focus areas): your unit is to sign the pledge.",
             true);
      break;
    case pb::Event::kPledgeSigned: {
      const auto& d = e.pledge_signed().details();
      b.to_members(
          "pledge_signed", name(d.unit_id()) + " đã ký giao ước thi đua năm " + year + on_vi(d.date()) + ".",
          name(d.unit_id()) + " signed the " + year + " pledge" + on_en(d.date()) + ".", d.unit_id());
      break;
    }
    case pb::Event::kPledgeActivated:
    case pb::Event::kPledgeContinued: {
      const bool continued = e.has_pledge_continued();
      std::string vi = continued
                           ? "Giao ước thi đua năm " + std::to_string(e.pledge_continued().from_year()) +
                                 " tiếp tục có hiệu lực trong năm " + year
                           : "Tất cả đơn vị đã ký: giao ước thi đua năm " + year + " có hiệu lực";
      std::string en = continued ? "The " + std::to_string(e.pledge_continued().from_year()) +
                                       " pledge continues in force through " + year
                                 : "Every member signed: the " + year + " pledge is in force";
      // With the mid-year review skipped, the self-assessment opens now.
      const bool opens = a.skip_mid_year_review() || a.mid_year_done();
      for (const auto& m : a.member_unit_ids())
        b.to(m, opens ? "self_assessment_due" : (continued ? "pledge_continued" : "pledge_in_force"),
             vi + (opens ? "; đơn vị cần nộp bản tự chấm điểm." : "."),
             en + (opens ? "; your unit is to submit its self-assessment." : "."), opens);
      break;
    }
    case pb::Event::kAppraisalConferenceHeld: {
      const auto& d = e.appraisal_conference_held().details();
      b.to_members("appraisal_held",
                   "Hội nghị thẩm định năm " + year + " của Cụm đã tổ chức" + on_vi(d.date()) + ".",
                   "The cluster's " + year + " appraisal conference was held" + on_en(d.date()) + ".");
      break;
    }
    case pb::Event::kMidYearReviewHeld: {
      const auto& d = e.mid_year_review_held().details();
      const bool opens = a.pledge_active();
      for (const auto& m : a.member_unit_ids())
        b.to(m, opens ? "self_assessment_due" : "mid_year_review_held",
             "Cụm đã sơ kết 6 tháng năm " + year + on_vi(d.date()) +
                 (opens ? ": đơn vị cần nộp bản tự chấm điểm." : "."),
             "The cluster held its " + year + " mid-year review" + on_en(d.date()) +
                 (opens ? ": your unit is to submit its self-assessment." : "."),
             opens);
      break;
    }
    case pb::Event::kSelfAssessmentSubmitted: {
      const auto& s = e.self_assessment_submitted();
      const std::string points = std::to_string(s.total_points());
      if (a.chair_unit_id() != s.details().unit_id())
        b.to(a.chair_unit_id(), "scores_to_verify",
             name(s.details().unit_id()) + " đã nộp bản tự chấm điểm năm " + year + " (" + points +
                 " điểm): Cụm trưởng cần chấm, xác nhận điểm.",
             name(s.details().unit_id()) + " submitted its " + year + " self-assessment (" + points +
                 " points): as chair, verify its scores.",
             true);
      break;
    }
    case pb::Event::kScoresVerified: {
      const auto& s = e.scores_verified();
      b.to(s.details().unit_id(), "scores_verified",
           "Cụm trưởng đã xác nhận điểm thi đua năm " + year +
               " của đơn vị: " + std::to_string(s.total_points()) + " điểm.",
           "The chair verified your unit's " + year + " scores: " + std::to_string(s.total_points()) +
               " points.");
      break;
    }
    case pb::Event::kYearEndSummaryHeld: {
      const auto& s = e.year_end_summary_held();
      const std::string vi = "Cụm đã tổng kết phong trào thi đua năm " + year + on_vi(s.details().date());
      const std::string en = "The cluster held its " + year + " year-end summary" + on_en(s.details().date());
      for (const auto& m : a.member_unit_ids()) {
        auto rank = std::find_if(s.ranking().begin(), s.ranking().end(),
                                 [&](const pb::RankEntry& r) { return r.unit_id() == m; });
        if (rank == s.ranking().end()) {
          b.to(m, "year_end_summary_held", vi + ".", en + ".");
          continue;
        }
        const std::string of = std::to_string(rank->rank()) + "/" + std::to_string(s.ranking_size());
        b.to(m, "year_end_summary_held",
             vi + "; đơn vị xếp thứ " + of + " (" + std::to_string(rank->total_points()) + " điểm).",
             en + "; your unit ranks " + of + " (" + std::to_string(rank->total_points()) + " points).");
      }
      break;
    }
    case pb::Event::kNominationVoteRecorded:
      vote_result(b, e.nomination_vote_recorded(), name);
      break;
    case pb::Event::kNominationsAdopted:
      nominations(b, a, e.nominations_adopted());
      break;
    case pb::Event::kDossierSubmitted: {
      const auto& d = e.dossier_submitted().details();
      b.to_office("dossier_submitted",
                  cluster + " đã gửi hồ sơ đề nghị khen thưởng năm " + year + " (" +
                      std::to_string(d.documents_size()) + " tài liệu)" + on_vi(d.date()) +
                      ": cần xem xét, quyết định.",
                  cluster + " sent its " + year + " nomination dossier (" +
                      std::to_string(d.documents_size()) + " documents)" + on_en(d.date()) +
                      ": to review and decide.",
                  true);
      break;
    }
    case pb::Event::kChairHandedOver: {
      const auto& d = e.chair_handed_over().details();
      const std::string next = std::to_string(d.for_year());
      std::string vi = "Cụm trưởng năm " + next + ": " + name(d.next_chair_unit_id());
      std::string en = "Chair for " + next + ": " + name(d.next_chair_unit_id());
      if (!d.next_vice_chair_unit_id().empty()) {
        vi += "; Cụm phó: " + name(d.next_vice_chair_unit_id());
        en += "; vice chair: " + name(d.next_vice_chair_unit_id());
      }
      vi += " (bàn giao" + on_vi(d.date()) + ").";
      en += " (handed over" + on_en(d.date()) + ").";
      b.to(d.next_chair_unit_id(), "chair_handed_over", vi, en);
      b.to(d.next_vice_chair_unit_id(), "chair_handed_over", vi, en);
      b.to_members("chair_handed_over", vi, en);
      b.to_office("chair_handed_over", cluster + ": " + vi, cluster + ": " + en);
      break;
    }
    case pb::Event::kHandoverVoided: {
      const std::string vi =
          "Việc bàn giao Cụm trưởng năm " + year + " đã bị hủy: " + e.handover_voided().reason() + ".";
      const std::string en =
          "The " + year + " chair handover was voided: " + e.handover_voided().reason() + ".";
      b.to_members("handover_voided", vi, en);
      b.to_office("handover_voided", cluster + ": " + vi, cluster + ": " + en);
      break;
    }
    case pb::Event::kAwardDecisionRecorded:
      award_decision(b, a, e.award_decision_recorded().details());
      break;
    case pb::Event::kCycleClosed:
      b.to_members(
          "cycle_closed",
          "Chu kỳ thi đua năm " + year + " của " + cluster + " đã khép lại" + on_vi(e.cycle_closed().date()) +
              ".",
          "The " + year + " cycle of " + cluster + " was closed" + on_en(e.cycle_closed().date()) + ".");
      break;
    case pb::Event::kAwardRevoked: {
      const auto& d = e.award_revoked().details();
      b.to(d.unit_id(), "award_revoked",
           std::string("Đơn vị bị thu hồi ") + award_vi(d.award()) + " năm " + year + " (quyết định " +
               d.decision_number() + "): " + d.reason() + ".",
           std::string("Your unit's ") + award_en(d.award()) + " of " + year + " was revoked (decision " +
               d.decision_number() + "): " + d.reason() + ".");
      b.to_members("award_revoked",
                   name(d.unit_id()) + " bị thu hồi " + award_vi(d.award()) + " năm " + year + ".",
                   name(d.unit_id()) + "'s " + award_en(d.award()) + " of " + year + " was revoked.");
      break;
    }
    case pb::Event::kSettingsChanged: {
      const std::string& reason = e.settings_changed().reason();
      b.to_members("settings_changed",
                   "Thiết lập chu kỳ thi đua năm " + year + " (thời hạn, biểu quyết, tiêu chí) đã thay đổi" +
                       (reason.empty() ? "" : ": " + reason) + ".",
                   "The " + year + " cycle's settings (deadlines, voting, criteria) changed" +
                       (reason.empty() ? "" : ": " + reason) + ".");
      break;
    }
    case pb::Event::kCorrectionRecorded: {
      const auto& d = e.correction_recorded().details();
      b.to_members("record_corrected",
                   "Một bản ghi " + d.corrects_event_type() + " của chu kỳ năm " + year +
                       " đã được đính chính: " + d.reason() + ".",
                   "A " + d.corrects_event_type() + " record of the " + year +
                       " cycle was corrected: " + d.reason() + ".");
      break;
    }
    case pb::Event::kCycleDissolved: {
      const std::string vi = "Chu kỳ thi đua năm " + year + " của " + cluster +
                             " đã bị giải thể: " + e.cycle_dissolved().reason() + ".";
      const std::string en =
          "The " + year + " cycle of " + cluster + " was dissolved: " + e.cycle_dissolved().reason() + ".";
      b.to_members("cycle_dissolved", vi, en);
      break;
    }
    case pb::Event::kMembershipChanged:
      membership(b, a, e.membership_changed(), name);
      break;
    case pb::Event::kDeadlineApproaching: {
      const auto& d = e.deadline_approaching();
      deadline(b, a, "deadline_approaching", d.step_vi(), d.step(), d.date(), d.owing_unit_ids(),
               d.days_left());
      break;
    }
    case pb::Event::kStepOverdue: {
      const auto& d = e.step_overdue();
      deadline(b, a, "step_overdue", d.step_vi(), d.step(), d.date(), d.owing_unit_ids(), 0);
      break;
    }
    default:  // an activity record: no one is asked anything
      break;
  }
  return b.take();
}

}  // namespace thidua::domain
