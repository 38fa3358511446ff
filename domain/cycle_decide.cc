// decide: every rule of the cycle (../shared/domain/cycle.md). Pure: no I/O, no clock; time comes with the
// call.

#include <algorithm>
#include <set>

#include "domain/award_names.h"
#include "domain/cycle_decider.h"
#include "domain/dates.h"
#include "domain/deadline_timers.h"
#include "domain/membership_change.h"

namespace thidua::domain {
namespace {

using result = std::variant<std::vector<pb::Event>, rejection>;

rejection refuse(std::string code, std::string field, std::string en, std::string vi) {
  return {std::move(code), std::move(field), std::move(en), std::move(vi)};
}

rejection out_of_order(const std::string& step, const std::string& en_needs, const std::string& vi_needs) {
  return refuse("STEP_OUT_OF_ORDER", step, step + " is not possible yet: " + en_needs,
                "Chưa thể thực hiện bước " + step + ": " + vi_needs);
}

bool is_organizer(const cycle_state& s, const pb::Actor& a, const pb::CycleKey& key) {
  const auto& organizer = s.opened ? s.key.organizer_id() : key.organizer_id();
  return a.role() == pb::ORGANIZER_OFFICE && a.organizer_id() == organizer;
}

// An officer of a unit (not an organizer's office, not an observer). What the unit is in a cycle — chair,
// vice chair or member — comes from the cycle, never from the token: the chair rotates every year, and one
// unit chairs one cluster while it is a plain member of another.
bool is_unit_officer(const pb::Actor& a) {
  return (a.role() == pb::CHAIR || a.role() == pb::VICE_CHAIR || a.role() == pb::MEMBER) &&
         !a.unit_id().empty();
}

// The cycle's chair, or its vice chair standing in.
bool is_chair(const cycle_state& s, const pb::Actor& a) {
  return is_unit_officer(a) &&
         (a.unit_id() == s.chair || (!s.vice_chair.empty() && a.unit_id() == s.vice_chair));
}

rejection not_organizer() {
  return refuse("NOT_ORGANIZER", "actor", "only the organizer's emulation office may do this",
                "Chỉ cơ quan thường trực thi đua của đơn vị tổ chức cụm được thực hiện việc này");
}

rejection not_chair() {
  return refuse("NOT_CHAIR", "actor",
                "only the cluster chair (or the vice chair standing in) may record this",
                "Chỉ đơn vị Cụm trưởng (hoặc Cụm phó khi thay mặt) được ghi nhận nội dung này");
}

rejection not_member(const std::string& field, const std::string& unit) {
  if (unit.empty())
    return refuse("MISSING_FIELD", field, "the command names no unit here", "Lệnh chưa nêu đơn vị");
  return refuse("NOT_A_MEMBER", field, "unit " + unit + " is not a member of this cluster this year",
                "Đơn vị " + unit + " không phải thành viên của Cụm trong năm nay");
}

rejection not_own_unit(const std::string& field, const std::string& unit) {
  return refuse("NOT_OWN_UNIT", field, "a member acts only for its own unit, not for " + unit,
                "Đơn vị thành viên chỉ được thực hiện cho chính mình, không thay cho " + unit);
}

// When a cycle of year Y happens. Its steps: from 1 October of Y−1 (a plan may be launched before the year
// starts) to 31 March of Y+1 (a summary, the nominations or the dossier early the next year). Its award
// decisions and its close: from 1 January of Y to 31 December of Y+2 (decisions come by the next spring, the
// Government's sometimes a year later). docs/events.md says so to users.
enum class date_kind { step, decision };

std::optional<rejection> check_date(const std::string& field, const std::string& d, std::uint32_t year,
                                    date_kind kind = date_kind::step, bool required = true) {
  if (d.empty() && !required) return std::nullopt;
  if (!is_date(d, true))
    return refuse("INVALID_DATE", field,
                  field + " must be a date written YYYY-MM-DD (or YYYY-MM), not '" + d + "'",
                  field + " phải là ngày dạng YYYY-MM-DD (hoặc YYYY-MM), không phải '" + d + "'");
  const std::string from =
      kind == date_kind::step ? std::to_string(year - 1) + "-10-01" : std::to_string(year) + "-01-01";
  const std::string to =
      kind == date_kind::step ? std::to_string(year + 1) + "-03-31" : std::to_string(year + 2) + "-12-31";
  if (!date_within(d, from, to))
    return refuse("DATE_OUTSIDE_CYCLE", field,
                  field + " " + d + " is outside what a cycle of " + std::to_string(year) +
                      " holds: " + from + " to " + to,
                  field + " " + d + " nằm ngoài khoảng thời gian của chu kỳ năm " + std::to_string(year) +
                      ": từ " + from + " đến " + to);
  return std::nullopt;
}

// The vote's shares and the deadlines (dates of the cycle's steps, optional).
std::optional<rejection> check_settings(const pb::Settings& st, const std::string& field,
                                        std::uint32_t year) {
  if (st.quorum_percent() > 100 || st.pass_threshold_percent() >= 100)
    return refuse("INVALID_SETTING", field, "quorum ≤ 100% and threshold < 100%",
                  "Tỷ lệ có mặt ≤ 100% và ngưỡng phiếu < 100%");
  const auto& d = st.deadlines();
  const std::pair<const char*, const std::string*> deadlines[] = {
      {"launch_by", &d.launch_by()},
      {"mid_year_review_by", &d.mid_year_review_by()},
      {"year_end_summary_by", &d.year_end_summary_by()},
      {"nominations_by", &d.nominations_by()},
      {"pledge_signing_by", &d.pledge_signing_by()},
      {"self_assessment_by", &d.self_assessment_by()},
      {"dossier_by", &d.dossier_by()}};
  for (const auto& [name, date] : deadlines) {
    const std::string f = field + ".deadlines." + name;
    // A deadline is a day: a month alone would leave its timers no day to fire on.
    if (!date->empty() && !is_date(*date, false))
      return refuse("INVALID_DATE", f, f + " must be a day written YYYY-MM-DD, not '" + *date + "'",
                    f + " phải là ngày dạng YYYY-MM-DD, không phải '" + *date + "'");
    if (auto e = check_date(f, *date, year, date_kind::step, false)) return e;
  }
  return std::nullopt;
}

// Checks scores against the cycle's criteria; sets the total.
std::optional<rejection> check_scores(const cycle_state& s,
                                      const google::protobuf::RepeatedPtrField<pb::Score>& scores,
                                      std::uint32_t& total) {
  total = 0;
  // Without criteria every unit would score 0 and tie at rank 1, bypassing the Government-flag rule.
  if (s.settings.criteria().empty())
    return refuse("NO_CRITERIA", "scores",
                  "the cycle has no scoring criteria: the organizer adopts them first (change_settings)",
                  "Chu kỳ chưa có tiêu chí chấm điểm: đơn vị tổ chức phải ban hành tiêu chí trước");
  if (scores.empty())
    return refuse("MISSING_FIELD", "scores", "score at least one criterion",
                  "Phải chấm ít nhất một tiêu chí");
  std::set<std::string> seen;
  for (int i = 0; i < scores.size(); ++i) {
    const auto& sc = scores[i];
    const std::string field = "scores[" + std::to_string(i) + "]";
    const auto& criteria = s.settings.criteria();
    auto c = std::find_if(criteria.begin(), criteria.end(),
                          [&](const auto& x) { return x.id() == sc.criterion_id(); });
    if (c == criteria.end())
      return refuse("UNKNOWN_CRITERION", field + ".criterion_id",
                    "no scoring criterion '" + sc.criterion_id() + "'",
                    "Không có tiêu chí chấm điểm '" + sc.criterion_id() + "'");
    if (!seen.insert(sc.criterion_id()).second)
      return refuse("DUPLICATE_CRITERION", field + ".criterion_id",
                    "criterion '" + sc.criterion_id() + "' scored twice",
                    "Tiêu chí '" + sc.criterion_id() + "' bị chấm hai lần");
    if (sc.points() > c->max_points())
      return refuse("SCORE_ABOVE_MAXIMUM", field + ".points",
                    "criterion '" + sc.criterion_id() + "' allows at most " +
                        std::to_string(c->max_points()) + " points, not " + std::to_string(sc.points()),
                    "Tiêu chí '" + sc.criterion_id() + "' tối đa " + std::to_string(c->max_points()) +
                        " điểm, không phải " + std::to_string(sc.points()));
    total += sc.points();
  }
  return std::nullopt;
}

// A correction names an event of this cycle (found by the server from its log position), says what type it
// is, why, and is made by someone who may correct it: the organizer's records by the organizer only.
std::optional<rejection> check_correction(const cycle_state& s, const pb::RecordCorrection& m,
                                          bool organizer) {
  if (m.corrects_position() == 0)
    return refuse("MISSING_FIELD", "correction.corrects_position",
                  "a correction names the log position of the event it corrects",
                  "Đính chính phải nêu vị trí trong sổ của sự kiện được đính chính");
  if (m.reason().empty())
    return refuse("MISSING_FIELD", "correction.reason", "a correction says why", "Đính chính phải nêu lý do");
  const std::string position = std::to_string(m.corrects_position());
  const auto& target = m.target();
  // The same answer for a position past the head and one of another cycle: tell nothing of other cycles.
  if (!m.has_target() || target.stream_version() == 0 || target.cluster() != s.key.number())
    return refuse("EVENT_NOT_IN_CYCLE", "correction.corrects_position",
                  "no event of this cycle is at log position " + position,
                  "Không có sự kiện nào của chu kỳ này tại vị trí " + position + " trong sổ");
  const std::string& type = target.type();
  if (m.corrects_event_type() != type)
    return refuse("EVENT_TYPE_MISMATCH", "correction.corrects_event_type",
                  "the event at log position " + position + " is " + std::string(type) + ", not '" +
                      m.corrects_event_type() + "'",
                  "Sự kiện tại vị trí " + position + " là " + std::string(type) + ", không phải '" +
                      m.corrects_event_type() + "'");
  if (target.by_organizer_office() && !organizer)
    return refuse("NOT_ORGANIZER", "correction.corrects_position",
                  "the event at log position " + position + " (" + std::string(type) +
                      ") is the organizer's record: only its emulation office corrects it",
                  "Sự kiện tại vị trí " + position + " (" + std::string(type) +
                      ") do cơ quan tổ chức ghi: chỉ cơ quan thường trực thi đua được đính chính");
  return std::nullopt;
}

// The previous year's pledge (as the server found it) holds for this year and was signed by exactly this
// year's members.
std::optional<rejection> check_pledge_continues(const cycle_state& s, const pb::PreviousPledge& p) {
  const std::string from = std::to_string(s.key.year() - 1);
  const std::string year = std::to_string(s.key.year());
  if (!p.in_force())
    return refuse("PLEDGE_NOT_CONTINUED", "continue_pledge.from_year",
                  "the cluster's " + from + " cycle has no pledge in force to continue",
                  "Chu kỳ năm " + from + " của Cụm không có giao ước đang có hiệu lực để tiếp tục");
  if (p.through_year() < s.key.year())
    return refuse("PLEDGE_NOT_CONTINUED", "continue_pledge.from_year",
                  "the " + from + " pledge holds for " + from + " only, not through " + year,
                  "Giao ước năm " + from + " chỉ có hiệu lực trong năm " + from + ", không đến năm " + year);
  const std::set<std::string> signatories(p.member_unit_ids().begin(), p.member_unit_ids().end());
  for (const auto& u : s.members)
    if (!signatories.count(u))
      return refuse("PLEDGE_NOT_CONTINUED", "continue_pledge.from_year",
                    "unit " + u + " did not sign the " + from + " pledge: it signs a pledge of its own",
                    "Đơn vị " + u + " không ký giao ước năm " + from + ": Cụm phải ký giao ước mới");
  return std::nullopt;
}

pb::Event make(auto setter) {
  pb::Event e;
  setter(e);
  return e;
}

result decide_open(const cycle_state& s, const pb::Command& c, const pb::Actor& a) {
  const auto& o = c.open();
  if (s.opened)
    return refuse("CYCLE_ALREADY_OPEN", "cycle",
                  "this cluster already has a cycle for " + std::to_string(c.cycle().year()),
                  "Cụm đã có chu kỳ thi đua năm " + std::to_string(c.cycle().year()));
  if (!is_organizer(s, a, c.cycle())) return not_organizer();
  if (o.cluster_name().empty())
    return refuse("MISSING_FIELD", "open.cluster_name", "the cluster needs a name", "Cụm phải có tên");
  std::set<std::string> unique;
  for (int i = 0; i < o.member_unit_ids_size(); ++i) {
    if (o.member_unit_ids(i).empty())
      return refuse("MISSING_FIELD", "open.member_unit_ids[" + std::to_string(i) + "]", "empty unit id",
                    "Mã đơn vị trống");
    if (!unique.insert(o.member_unit_ids(i)).second)
      return refuse("DUPLICATE_MEMBER", "open.member_unit_ids[" + std::to_string(i) + "]",
                    "unit " + o.member_unit_ids(i) + " is listed twice",
                    "Đơn vị " + o.member_unit_ids(i) + " bị liệt kê hai lần");
  }
  if (unique.size() < 2)
    return refuse("TOO_FEW_MEMBERS", "open.member_unit_ids", "a cluster needs at least 2 members",
                  "Cụm phải có ít nhất 2 đơn vị thành viên");
  if (!unique.count(o.chair_unit_id())) return not_member("open.chair_unit_id", o.chair_unit_id());
  if (!o.vice_chair_unit_id().empty()) {
    if (o.vice_chair_unit_id() == o.chair_unit_id())
      return refuse("CHAIR_IS_VICE_CHAIR", "open.vice_chair_unit_id",
                    "the chair cannot also be the vice chair", "Cụm trưởng không thể đồng thời là Cụm phó");
    if (!unique.count(o.vice_chair_unit_id()))
      return not_member("open.vice_chair_unit_id", o.vice_chair_unit_id());
  }
  if (auto e = check_date("open.date", o.date(), c.cycle().year(), date_kind::step, false)) return *e;
  if (auto e = check_settings(o.settings(), "open.settings", c.cycle().year())) return *e;
  return std::vector<pb::Event>{make([&](pb::Event& e) {
    *e.mutable_cycle_opened()->mutable_cycle() = c.cycle();
    *e.mutable_cycle_opened()->mutable_details() = o;
  })};
}

}  // namespace

std::variant<std::vector<pb::Event>, rejection> cycle_decider::decide(const state& series, const command& c,
                                                                      const actor& a, std::int64_t now_ms) {
  if (stream_of(c) == "cycles/invalid")
    return refuse(
        "INVALID_CYCLE_KEY", "cycle",
        "the cycle key needs organizer, series ([A-Za-z0-9_-], at most 40), a number (digits or "
        "I…XXXIX) and a year 2000–2100",
        "Khóa chu kỳ cần đơn vị tổ chức, khối ([A-Za-z0-9_-], tối đa 40), số cụm (chữ số hoặc I…XXXIX) "
        "và năm 2000–2100");
  const std::string number = normalize_cluster_number(c.cycle().number());
  if (c.has_open() && !series.cycle(number).opened && a.role() == pb::ORGANIZER_OFFICE) {
    // A unit sits in at most one cluster of a series in a year.
    for (int i = 0; i < c.open().member_unit_ids_size(); ++i) {
      const auto& unit = c.open().member_unit_ids(i);
      auto it = series.cluster_of_unit.find(unit);
      if (it != series.cluster_of_unit.end() && it->second != number)
        return refuse("UNIT_IN_ANOTHER_CLUSTER", "open.member_unit_ids[" + std::to_string(i) + "]",
                      "unit " + unit + " is already a member of cluster " + it->second +
                          " of this series in " + std::to_string(c.cycle().year()),
                      "Đơn vị " + unit + " đã là thành viên Cụm " + it->second + " của khối này trong năm " +
                          std::to_string(c.cycle().year()));
    }
  }
  auto decided = c.has_note_deadline() ? decide_deadline_notice(series.cycle(number), c, a, now_ms)
                                       : decide_cycle(series.cycle(number), c, a);
  if (auto* events = std::get_if<std::vector<pb::Event>>(&decided))
    for (auto& e : *events) {
      e.set_cluster(number);
      if (e.has_cycle_opened()) e.mutable_cycle_opened()->set_recorded_on(vietnam_date(now_ms));
    }
  return decided;
}

std::variant<std::vector<pb::Event>, rejection> cycle_decider::decide_cycle(const cycle_state& s,
                                                                            const command& c,
                                                                            const actor& a) {
  if (a.role() == pb::OBSERVER || a.role() == pb::ROLE_UNSPECIFIED)
    return refuse("FORBIDDEN_ROLE", "actor", "observers may only read", "Đại biểu theo dõi chỉ được xem");
  if (c.action_case() == pb::Command::ACTION_NOT_SET)
    return refuse("MISSING_FIELD", "action", "the command names no action", "Lệnh không nêu thao tác nào");
  if (c.has_open()) return decide_open(s, c, a);
  if (!s.opened)
    return refuse("CYCLE_NOT_OPEN", "cycle",
                  "this cluster has no cycle for " + std::to_string(c.cycle().year()) + " yet",
                  "Cụm chưa mở chu kỳ thi đua năm " + std::to_string(c.cycle().year()));
  // Voiding a handover concerns next year, so it stays possible after the close.
  if (s.closed && !c.has_correction() && !c.has_revoke_award() && !c.has_void_handover())
    return refuse("CYCLE_CLOSED", "cycle",
                  "the cycle is closed: only corrections, revocations and the voiding of its handover are "
                  "recorded",
                  "Chu kỳ đã khép lại: chỉ ghi nhận đính chính, thu hồi khen thưởng hoặc hủy việc bàn giao");

  std::vector<pb::Event> out;
  switch (c.action_case()) {
    case pb::Command::kLaunchConference: {
      const auto& m = c.launch_conference();
      if (!is_chair(s, a)) return not_chair();
      if (s.launched)
        return refuse("ALREADY_RECORDED", "launch_conference",
                      "the launch conference is already recorded; record a correction instead",
                      "Hội nghị triển khai đã được ghi nhận; hãy ghi đính chính");
      if (auto e = check_date("launch_conference.date", m.date(), s.key.year())) return *e;
      out.push_back(make([&](pb::Event& e) { *e.mutable_launch_conference_held()->mutable_details() = m; }));
      break;
    }
    case pb::Command::kAdoptPledgeContents: {
      const auto& m = c.adopt_pledge_contents();
      if (!is_chair(s, a)) return not_chair();
      if (!s.launched)
        return out_of_order("adopt_pledge_contents", "the launch conference comes first",
                            "phải tổ chức hội nghị triển khai trước");
      if (!s.signed_units.empty())
        return refuse("PLEDGE_ALREADY_SIGNED", "adopt_pledge_contents",
                      "members have signed; the contents are fixed",
                      "Các đơn vị đã ký giao ước; nội dung không thể thay đổi");
      if (s.contents_adopted)
        return refuse("ALREADY_RECORDED", "adopt_pledge_contents", "the pledge contents are already adopted",
                      "Nội dung giao ước đã được thông qua");
      if (m.contents_size() == 0)
        return refuse("MISSING_FIELD", "adopt_pledge_contents.contents",
                      "a pledge needs at least one focus content",
                      "Giao ước phải có ít nhất một nội dung trọng tâm");
      for (int i = 0; i < m.contents_size(); ++i) {
        if (m.contents(i).text().empty())
          return refuse("MISSING_FIELD", "adopt_pledge_contents.contents[" + std::to_string(i) + "].text",
                        "a focus content needs its text", "Nội dung trọng tâm phải có nội dung");
        for (int j = 0; j < m.contents(i).targets_size(); ++j) {
          const auto& t = m.contents(i).targets(j);
          static const std::set<std::string> ops{"", ">=", "==", ">", "<=", "<"};
          if (!ops.count(t.comparator()) || (t.metric() != "qualitative" && t.comparator().empty()))
            return refuse("INVALID_TARGET",
                          "adopt_pledge_contents.contents[" + std::to_string(i) + "].targets[" +
                              std::to_string(j) + "]",
                          "a measurable target needs a metric and a comparator (>=, ==, >, <=, <)",
                          "Chỉ tiêu định lượng cần thước đo và phép so sánh (>=, ==, >, <=, <)");
        }
      }
      if (m.through_year() != 0 && m.through_year() != s.key.year() + 1)
        return refuse(
            "INVALID_YEAR", "adopt_pledge_contents.through_year",
            "a pledge holds for this year or through the next, " + std::to_string(s.key.year() + 1),
            "Giao ước có hiệu lực trong năm nay hoặc đến hết năm sau, " + std::to_string(s.key.year() + 1));
      out.push_back(make([&](pb::Event& e) {
        *e.mutable_pledge_contents_adopted()->mutable_contents() = m.contents();
        e.mutable_pledge_contents_adopted()->set_through_year(m.through_year());
      }));
      break;
    }
    case pb::Command::kContinuePledge: {
      const auto& m = c.continue_pledge();
      if (!is_chair(s, a)) return not_chair();
      if (!s.launched)
        return out_of_order("continue_pledge", "the launch conference comes first",
                            "phải tổ chức hội nghị triển khai trước");
      if (s.contents_adopted)
        return refuse("ALREADY_RECORDED", "continue_pledge", "this cycle has its pledge already",
                      "Chu kỳ này đã có giao ước thi đua");
      if (m.from_year() + 1 != s.key.year())
        return refuse("INVALID_YEAR", "continue_pledge.from_year",
                      "a pledge is continued from the previous year, " + std::to_string(s.key.year() - 1),
                      "Giao ước được tiếp tục từ năm trước, " + std::to_string(s.key.year() - 1));
      if (auto e = check_pledge_continues(s, m.previous())) return *e;
      if (auto e = check_date("continue_pledge.date", m.date(), s.key.year(), date_kind::step, false))
        return *e;
      out.push_back(make([&](pb::Event& e) {
        auto* p = e.mutable_pledge_continued();
        p->set_from_year(m.from_year());
        p->set_through_year(s.key.year());
        p->set_signatures(static_cast<std::uint32_t>(s.members.size()));
        p->set_date(m.date());
      }));
      break;
    }
    case pb::Command::kAppraisalConference: {
      const auto& m = c.appraisal_conference();
      if (!is_chair(s, a)) return not_chair();
      if (!s.pledge_active)
        return out_of_order("appraisal_conference", "every member must have signed the pledge",
                            "tất cả đơn vị phải ký giao ước trước");
      if (!s.settings.skip_mid_year_review() && !s.mid_year_done)
        return out_of_order("appraisal_conference", "the mid-year review comes first",
                            "phải sơ kết 6 tháng trước");
      if (s.summary_done)
        return out_of_order("appraisal_conference", "the year-end summary is already held",
                            "đã tổng kết năm");
      if (s.appraisal_done)
        return refuse("ALREADY_RECORDED", "appraisal_conference",
                      "the appraisal conference is already recorded", "Hội nghị thẩm định đã được ghi nhận");
      if (auto e = check_date("appraisal_conference.date", m.date(), s.key.year())) return *e;
      out.push_back(
          make([&](pb::Event& e) { *e.mutable_appraisal_conference_held()->mutable_details() = m; }));
      break;
    }
    case pb::Command::kSignPledge: {
      const auto& m = c.sign_pledge();
      if (!s.contents_adopted)
        return out_of_order("sign_pledge", "the pledge contents must be adopted first",
                            "phải thông qua nội dung giao ước trước");
      if (!s.is_member(m.unit_id())) return not_member("sign_pledge.unit_id", m.unit_id());
      if (!is_unit_officer(a) || a.unit_id() != m.unit_id())
        return not_own_unit("sign_pledge.unit_id", m.unit_id());
      if (s.signed_units.count(m.unit_id()))
        return refuse("PLEDGE_ALREADY_SIGNED", "sign_pledge.unit_id",
                      "unit " + m.unit_id() + " has already signed the pledge",
                      "Đơn vị " + m.unit_id() + " đã ký giao ước thi đua");
      if (m.signatory().name().empty())
        return refuse("MISSING_FIELD", "sign_pledge.signatory.name", "the signatory's name is required",
                      "Phải ghi tên người ký");
      if (auto e = check_date("sign_pledge.date", m.date(), s.key.year(), date_kind::step, false)) return *e;
      out.push_back(make([&](pb::Event& e) { *e.mutable_pledge_signed()->mutable_details() = m; }));
      if (s.signed_units.size() + 1 == s.members.size())
        out.push_back(make([&](pb::Event& e) {
          e.mutable_pledge_activated()->set_signatures(static_cast<std::uint32_t>(s.members.size()));
        }));
      break;
    }
    case pb::Command::kActivity: {
      const auto& m = c.activity();
      const bool chair = is_chair(s, a);
      if (!chair && !(is_unit_officer(a) && s.is_member(a.unit_id()))) return not_chair();
      for (int i = 0; i < m.contributions_size(); ++i) {
        const auto& k = m.contributions(i);
        const std::string f = "activity.contributions[" + std::to_string(i) + "]";
        if (!s.is_member(k.unit_id())) return not_member(f + ".unit_id", k.unit_id());
        if (!chair && k.unit_id() != a.unit_id()) return not_own_unit(f + ".unit_id", k.unit_id());
        if (k.amount_vnd() <= 0)
          return refuse("INVALID_AMOUNT", f + ".amount_vnd",
                        "a contribution is a positive whole number of đồng",
                        "Số tiền đóng góp phải là số đồng nguyên dương");
      }
      if (auto e = check_date("activity.date", m.date(), s.key.year(), date_kind::step, false)) return *e;
      out.push_back(make([&](pb::Event& e) { *e.mutable_activity_recorded()->mutable_details() = m; }));
      break;
    }
    case pb::Command::kMidYearReview: {
      if (!is_chair(s, a)) return not_chair();
      if (s.settings.skip_mid_year_review())
        return refuse("MID_YEAR_REVIEW_NOT_HELD", "mid_year_review",
                      "this cycle's settings hold no mid-year review",
                      "Chu kỳ này không tổ chức sơ kết 6 tháng theo thiết lập");
      if (!s.pledge_active)
        return out_of_order("mid_year_review", "every member must have signed the pledge",
                            "tất cả đơn vị phải ký giao ước trước");
      if (s.mid_year_done)
        return refuse("ALREADY_RECORDED", "mid_year_review", "the mid-year review is already recorded",
                      "Sơ kết 6 tháng đã được ghi nhận");
      if (auto e = check_date("mid_year_review.date", c.mid_year_review().date(), s.key.year())) return *e;
      out.push_back(make(
          [&](pb::Event& e) { *e.mutable_mid_year_review_held()->mutable_details() = c.mid_year_review(); }));
      break;
    }
    case pb::Command::kSelfAssessment: {
      const auto& m = c.self_assessment();
      if (!s.pledge_active)
        return out_of_order("self_assessment", "every member must have signed the pledge",
                            "tất cả đơn vị phải ký giao ước trước");
      if (!s.settings.skip_mid_year_review() && !s.mid_year_done)
        return out_of_order("self_assessment", "the mid-year review comes first",
                            "phải sơ kết 6 tháng trước");
      if (!s.is_member(m.unit_id())) return not_member("self_assessment.unit_id", m.unit_id());
      if (!is_unit_officer(a) || a.unit_id() != m.unit_id())
        return not_own_unit("self_assessment.unit_id", m.unit_id());
      if (s.self_totals.count(m.unit_id()))
        return refuse("ALREADY_RECORDED", "self_assessment.unit_id",
                      "unit " + m.unit_id() + " has already scored itself",
                      "Đơn vị " + m.unit_id() + " đã tự chấm điểm");
      if (s.summary_done)
        return out_of_order("self_assessment", "the year-end summary is already held", "đã tổng kết năm");
      std::uint32_t total = 0;
      if (auto e = check_scores(s, m.scores(), total)) return *e;
      out.push_back(make([&](pb::Event& e) {
        *e.mutable_self_assessment_submitted()->mutable_details() = m;
        e.mutable_self_assessment_submitted()->set_total_points(total);
      }));
      break;
    }
    case pb::Command::kVerifiedScores: {
      const auto& m = c.verified_scores();
      if (!is_chair(s, a)) return not_chair();
      if (!s.is_member(m.unit_id())) return not_member("verified_scores.unit_id", m.unit_id());
      if (!s.self_totals.count(m.unit_id()))
        return refuse("SELF_ASSESSMENT_MISSING", "verified_scores.unit_id",
                      "unit " + m.unit_id() + " has not submitted its self-assessment",
                      "Đơn vị " + m.unit_id() + " chưa nộp bản tự chấm điểm");
      if (s.summary_done)
        return out_of_order("verified_scores", "the year-end summary is already held", "đã tổng kết năm");
      std::uint32_t total = 0;
      if (auto e = check_scores(s, m.scores(), total)) return *e;
      out.push_back(make([&](pb::Event& e) {
        *e.mutable_scores_verified()->mutable_details() = m;
        e.mutable_scores_verified()->set_total_points(total);
      }));
      break;
    }
    case pb::Command::kYearEndSummary: {
      const auto& m = c.year_end_summary();
      if (!is_chair(s, a)) return not_chair();
      if (s.summary_done)
        return refuse("ALREADY_RECORDED", "year_end_summary", "the year-end summary is already recorded",
                      "Hội nghị tổng kết đã được ghi nhận");
      if (s.settings.appraisal_conference_required() && !s.appraisal_done)
        return out_of_order("year_end_summary", "this cycle holds the appraisal conference first",
                            "chu kỳ này phải tổ chức hội nghị thẩm định trước");
      for (const auto& u : s.members) {
        if (!s.self_totals.count(u))
          return refuse("SELF_ASSESSMENT_MISSING", "year_end_summary",
                        "unit " + u + " has not scored itself yet", "Đơn vị " + u + " chưa tự chấm điểm");
        if (!s.verified_totals.count(u))
          return refuse("SCORES_NOT_VERIFIED", "year_end_summary",
                        "the scores of unit " + u + " are not verified yet",
                        "Điểm của đơn vị " + u + " chưa được thẩm định");
      }
      if (auto e = check_date("year_end_summary.date", m.date(), s.key.year())) return *e;
      // The ranking is derived from verified scores, never entered by hand.
      std::vector<std::pair<std::string, std::uint32_t>> totals(s.verified_totals.begin(),
                                                                s.verified_totals.end());
      std::stable_sort(totals.begin(), totals.end(),
                       [](const auto& x, const auto& y) { return x.second > y.second; });
      out.push_back(make([&](pb::Event& e) {
        auto* h = e.mutable_year_end_summary_held();
        *h->mutable_details() = m;
        std::uint32_t rank = 0, last_total = UINT32_MAX;
        for (std::size_t i = 0; i < totals.size(); ++i) {
          if (totals[i].second != last_total) rank = static_cast<std::uint32_t>(i + 1);
          last_total = totals[i].second;
          auto* r = h->add_ranking();
          r->set_unit_id(totals[i].first);
          r->set_total_points(totals[i].second);
          r->set_rank(rank);
        }
      }));
      break;
    }
    case pb::Command::kNominationVote: {
      const auto& m = c.nomination_vote();
      if (!is_chair(s, a)) return not_chair();
      if (!s.summary_done)
        return out_of_order("nomination_vote", "the year-end summary comes first", "phải tổng kết năm trước");
      if (s.nominations_adopted)
        return out_of_order("nomination_vote", "the nominations are already adopted",
                            "danh sách đề nghị đã được thông qua");
      if (m.award() == pb::AWARD_UNSPECIFIED)
        return refuse("MISSING_FIELD", "nomination_vote.award", "the vote must name the award",
                      "Phải nêu hình thức khen thưởng");
      const auto total = static_cast<std::uint32_t>(s.members.size());
      if (m.members_present() > total)
        return refuse("INVALID_VOTE", "nomination_vote.members_present",
                      "more members present than the cluster has",
                      "Số đơn vị có mặt nhiều hơn số thành viên của Cụm");
      if (m.members_present() * 100 < s.quorum_percent() * total)
        return refuse("QUORUM_NOT_MET", "nomination_vote.members_present",
                      std::to_string(m.members_present()) + " of " + std::to_string(total) +
                          " members present; the quorum is " + std::to_string(s.quorum_percent()) + "%",
                      "Có mặt " + std::to_string(m.members_present()) + "/" + std::to_string(total) +
                          " đơn vị; chưa đủ tỷ lệ " + std::to_string(s.quorum_percent()) + "%");
      if (m.candidates_size() == 0)
        return refuse("MISSING_FIELD", "nomination_vote.candidates", "the vote needs at least one candidate",
                      "Phải có ít nhất một đơn vị được bình xét");
      if (m.award() == pb::GOVERNMENT_FLAG) {
        if (m.candidates_size() > 1 || std::any_of(s.nominated.begin(), s.nominated.end(), [](const auto& n) {
              return n.second == pb::GOVERNMENT_FLAG;
            }))
          return refuse("GOVERNMENT_FLAG_LIMIT", "nomination_vote.candidates",
                        "a cluster nominates at most one unit for the Government flag",
                        "Mỗi Cụm chỉ suy tôn tối đa một đơn vị đề nghị Cờ thi đua của Chính phủ");
        const auto leaders = s.leaders();
        if (std::find(leaders.begin(), leaders.end(), m.candidates(0).unit_id()) == leaders.end())
          return refuse("GOVERNMENT_FLAG_NOT_TOP_RANKED", "nomination_vote.candidates[0].unit_id",
                        "only the cluster's top-ranked unit may be nominated for the Government flag, not " +
                            m.candidates(0).unit_id(),
                        "Chỉ đơn vị dẫn đầu Cụm mới được suy tôn Cờ thi đua của Chính phủ, không phải " +
                            m.candidates(0).unit_id());
      }
      std::set<std::string> seen;
      for (int i = 0; i < m.candidates_size(); ++i) {
        const auto& v = m.candidates(i);
        const std::string f = "nomination_vote.candidates[" + std::to_string(i) + "]";
        if (!s.is_member(v.unit_id())) return not_member(f + ".unit_id", v.unit_id());
        if (!s.signed_units.count(v.unit_id()))
          return refuse("NOT_SIGNED", f + ".unit_id",
                        "unit " + v.unit_id() + " did not sign the pledge and cannot be nominated",
                        "Đơn vị " + v.unit_id() + " không ký giao ước nên không được đề nghị khen thưởng");
        if (s.nominated.count(v.unit_id()) || !seen.insert(v.unit_id()).second)
          return refuse(
              "UNIT_ALREADY_NOMINATED", f + ".unit_id",
              "unit " + v.unit_id() + " already has an award form this cycle",
              "Đơn vị " + v.unit_id() + " đã được đề nghị một hình thức khen thưởng trong chu kỳ này");
        if (v.votes_for() + v.votes_against() + v.votes_abstain() > m.members_present())
          return refuse("INVALID_VOTE", f, "more votes than members present",
                        "Số phiếu nhiều hơn số đơn vị có mặt");
      }
      if (m.award() == pb::MINISTRY_FLAG && s.settings.max_ministry_flags() > 0) {
        std::uint32_t flags = 0;
        for (const auto& [u, aw] : s.nominated) flags += aw == pb::MINISTRY_FLAG;
        if (flags + m.candidates_size() > s.settings.max_ministry_flags())
          return refuse("MINISTRY_FLAG_LIMIT", "nomination_vote.candidates",
                        "this cycle allows at most " + std::to_string(s.settings.max_ministry_flags()) +
                            " Ministry flags",
                        "Chu kỳ này chỉ đề nghị tối đa " + std::to_string(s.settings.max_ministry_flags()) +
                            " Cờ thi đua của Bộ Công an");
      }
      if (auto e = check_date("nomination_vote.date", m.date(), s.key.year(), date_kind::step, false))
        return *e;
      out.push_back(make([&](pb::Event& e) {
        auto* r = e.mutable_nomination_vote_recorded();
        r->set_award(m.award());
        r->set_members_present(m.members_present());
        r->set_members_total(total);
        r->set_date(m.date());
        for (const auto& v : m.candidates()) {
          auto* cr = r->add_results();
          *cr->mutable_vote() = v;
          // Passes with more than the threshold share of all members in favour.
          cr->set_passed(v.votes_for() * 100 > s.pass_threshold_percent() * total);
        }
      }));
      break;
    }
    case pb::Command::kAdoptNominations: {
      if (!is_chair(s, a)) return not_chair();
      if (!s.summary_done)
        return out_of_order("adopt_nominations", "the year-end summary and the vote come first",
                            "phải tổng kết và bỏ phiếu trước");
      if (s.nominations_adopted)
        return refuse("ALREADY_RECORDED", "adopt_nominations", "the nominations are already adopted",
                      "Danh sách đề nghị đã được thông qua");
      if (s.nominated.empty())
        return refuse("NO_NOMINEES", "adopt_nominations", "no candidate has passed a vote",
                      "Chưa có đơn vị nào đạt số phiếu suy tôn");
      if (auto e = check_date("adopt_nominations.date", c.adopt_nominations().date(), s.key.year(),
                              date_kind::step, false))
        return *e;
      out.push_back(make([&](pb::Event& e) {
        auto* n = e.mutable_nominations_adopted();
        n->set_date(c.adopt_nominations().date());
        for (const auto& [u, aw] : s.nominated) {
          auto* x = n->add_nominees();
          x->set_unit_id(u);
          x->set_award(aw);
        }
      }));
      break;
    }
    case pb::Command::kDossier: {
      const auto& m = c.dossier();
      if (!is_chair(s, a)) return not_chair();
      if (!s.nominations_adopted)
        return out_of_order("dossier", "the nominations must be adopted first",
                            "phải thông qua danh sách đề nghị trước");
      if (m.documents_size() == 0)
        return refuse("MISSING_FIELD", "dossier.documents", "a dossier needs its documents",
                      "Hồ sơ phải có tài liệu");
      for (int i = 0; i < m.documents_size(); ++i) {
        const auto& d = m.documents(i);
        const bool hex =
            d.sha256().size() == 64 && std::all_of(d.sha256().begin(), d.sha256().end(), [](char ch) {
              return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
            });
        if (!hex)
          return refuse("INVALID_SHA256", "dossier.documents[" + std::to_string(i) + "].sha256",
                        "a document is identified by its SHA-256: 64 lowercase hex digits",
                        "Tài liệu được định danh bằng SHA-256: 64 chữ số hệ 16 viết thường");
        if (d.name().empty())
          return refuse("MISSING_FIELD", "dossier.documents[" + std::to_string(i) + "].name",
                        "a document needs a name", "Tài liệu phải có tên");
      }
      if (auto e = check_date("dossier.date", m.date(), s.key.year(), date_kind::step, false)) return *e;
      out.push_back(make([&](pb::Event& e) { *e.mutable_dossier_submitted()->mutable_details() = m; }));
      break;
    }
    case pb::Command::kHandOverChair: {
      const auto& m = c.hand_over_chair();
      if (!is_chair(s, a)) return not_chair();
      if (!s.summary_done)
        return out_of_order("hand_over_chair", "the handover happens at the year-end summary",
                            "bàn giao Cụm trưởng tại hội nghị tổng kết");
      if (s.handed_over)
        return refuse("ALREADY_RECORDED", "hand_over_chair",
                      "the chair is already handed over; void it first",
                      "Đã bàn giao Cụm trưởng; phải hủy bàn giao trước");
      if (m.for_year() != s.key.year() + 1)
        return refuse("INVALID_YEAR", "hand_over_chair.for_year",
                      "the handover is for the next year, " + std::to_string(s.key.year() + 1),
                      "Bàn giao cho năm kế tiếp, " + std::to_string(s.key.year() + 1));
      if (!s.is_member(m.next_chair_unit_id()))
        return not_member("hand_over_chair.next_chair_unit_id", m.next_chair_unit_id());
      // The next vice chair may not be known yet at the summary: the handover may name only the next chair.
      if (!m.next_vice_chair_unit_id().empty() && !s.is_member(m.next_vice_chair_unit_id()))
        return not_member("hand_over_chair.next_vice_chair_unit_id", m.next_vice_chair_unit_id());
      if (m.next_chair_unit_id() == m.next_vice_chair_unit_id())
        return refuse("CHAIR_IS_VICE_CHAIR", "hand_over_chair.next_vice_chair_unit_id",
                      "the next chair cannot also be the next vice chair",
                      "Cụm trưởng năm sau không thể đồng thời là Cụm phó");
      if (auto e = check_date("hand_over_chair.date", m.date(), s.key.year(), date_kind::step, false))
        return *e;
      out.push_back(make([&](pb::Event& e) { *e.mutable_chair_handed_over()->mutable_details() = m; }));
      break;
    }
    case pb::Command::kVoidHandover: {
      if (!is_organizer(s, a, c.cycle())) return not_organizer();
      if (!s.handed_over)
        return refuse("NO_HANDOVER", "void_handover", "there is no handover to void",
                      "Không có việc bàn giao nào để hủy");
      if (c.void_handover().reason().empty())
        return refuse("MISSING_FIELD", "void_handover.reason", "voiding a handover needs a reason",
                      "Hủy bàn giao phải nêu lý do");
      out.push_back(
          make([&](pb::Event& e) { e.mutable_handover_voided()->set_reason(c.void_handover().reason()); }));
      break;
    }
    case pb::Command::kAwardDecision: {
      const auto& m = c.award_decision();
      if (!is_organizer(s, a, c.cycle())) return not_organizer();
      if (!s.nominations_adopted)
        return out_of_order("award_decision", "the nominations must be adopted first",
                            "phải thông qua danh sách đề nghị trước");
      if (m.decision_number().empty())
        return refuse("MISSING_FIELD", "award_decision.decision_number", "a decision needs its number",
                      "Quyết định phải có số");
      if (auto e = check_date("award_decision.date", m.date(), s.key.year(), date_kind::decision)) return *e;
      if (m.outcomes_size() == 0)
        return refuse("MISSING_FIELD", "award_decision.outcomes", "a decision names at least one unit",
                      "Quyết định phải nêu ít nhất một đơn vị");
      for (int i = 0; i < m.outcomes_size(); ++i) {
        const auto& o = m.outcomes(i);
        const std::string f = "award_decision.outcomes[" + std::to_string(i) + "]";
        auto it = s.adopted.find(o.unit_id());
        if (it == s.adopted.end() || it->second != o.award())
          return refuse("NOT_NOMINATED", f + ".unit_id",
                        "unit " + o.unit_id() + " was not nominated for " + pb::Award_Name(o.award()),
                        "Đơn vị " + o.unit_id() + " không được đề nghị " + award_vi(o.award()));
        if (s.decided.count(o.unit_id()))
          return refuse("ALREADY_DECIDED", f + ".unit_id", "unit " + o.unit_id() + " already has a decision",
                        "Đơn vị " + o.unit_id() + " đã có quyết định");
        const pb::Authority needed = s.key.organizer_id() != "BCA"      ? pb::PROVINCIAL_DIRECTOR
                                     : o.award() == pb::GOVERNMENT_FLAG ? pb::PRIME_MINISTER
                                                                        : pb::MINISTER;
        if (m.authority() != needed)
          return refuse(
              "WRONG_AUTHORITY", "award_decision.authority",
              std::string(pb::Award_Name(o.award())) + " is decided by " + pb::Authority_Name(needed),
              std::string(award_vi(o.award())) + " do " +
                  (needed == pb::PRIME_MINISTER ? "Thủ tướng Chính phủ"
                   : needed == pb::MINISTER     ? "Bộ trưởng Bộ Công an"
                                                : "Giám đốc Công an tỉnh") +
                  " quyết định");
      }
      out.push_back(make([&](pb::Event& e) { *e.mutable_award_decision_recorded()->mutable_details() = m; }));
      break;
    }
    case pb::Command::kClose: {
      if (!is_organizer(s, a, c.cycle())) return not_organizer();
      for (const auto& [u, aw] : s.adopted)
        if (!s.decided.count(u))
          return refuse("DECISIONS_PENDING", "close", "unit " + u + " still awaits its award decision",
                        "Đơn vị " + u + " chưa có quyết định khen thưởng");
      // A cluster may propose nobody: once the summary is held and no candidate passed a vote, it can close.
      const bool proposes_nobody = s.summary_done && s.nominated.empty();
      if (!s.nominations_adopted && !proposes_nobody)
        return out_of_order("close", "the nominations and decisions come first",
                            "phải có danh sách đề nghị và quyết định trước");
      if (auto e = check_date("close.date", c.close().date(), s.key.year(), date_kind::decision, false))
        return *e;
      out.push_back(make([&](pb::Event& e) { e.mutable_cycle_closed()->set_date(c.close().date()); }));
      break;
    }
    case pb::Command::kRevokeAward: {
      const auto& m = c.revoke_award();
      if (!is_organizer(s, a, c.cycle())) return not_organizer();
      auto it = s.decided.find(m.unit_id());
      if (it == s.decided.end() || !it->second || s.adopted.at(m.unit_id()) != m.award() ||
          s.revoked.count(m.unit_id()))
        return refuse("NOT_GRANTED", "revoke_award.unit_id",
                      "unit " + m.unit_id() + " holds no such award to revoke",
                      "Đơn vị " + m.unit_id() + " không có danh hiệu này để thu hồi");
      if (m.reason().empty())
        return refuse("MISSING_FIELD", "revoke_award.reason", "a revocation needs its reason",
                      "Thu hồi phải nêu lý do");
      out.push_back(make([&](pb::Event& e) { *e.mutable_award_revoked()->mutable_details() = m; }));
      break;
    }
    case pb::Command::kChangeSettings: {
      if (!is_organizer(s, a, c.cycle())) return not_organizer();
      const auto& st = c.change_settings().settings();
      if (auto e = check_settings(st, "change_settings.settings", s.key.year())) return *e;
      if (c.change_settings().reason().empty())
        return refuse("MISSING_FIELD", "change_settings.reason", "a change of settings needs a reason",
                      "Thay đổi thiết lập phải nêu lý do");
      out.push_back(make([&](pb::Event& e) {
        *e.mutable_settings_changed()->mutable_settings() = st;
        e.mutable_settings_changed()->set_reason(c.change_settings().reason());
      }));
      break;
    }
    case pb::Command::kCorrection: {
      const auto& m = c.correction();
      const bool organizer = is_organizer(s, a, c.cycle());
      if (!organizer && !is_chair(s, a))
        return refuse("NOT_CHAIR", "actor",
                      "only the organizer's office or the chair may record a correction",
                      "Chỉ cơ quan tổ chức hoặc Cụm trưởng được ghi đính chính");
      if (auto e = check_correction(s, m, organizer)) return *e;
      out.push_back(make([&](pb::Event& e) {
        *e.mutable_correction_recorded()->mutable_details() = m;
        e.mutable_correction_recorded()->set_by_organizer_office(organizer);
      }));
      break;
    }
    case pb::Command::kChangeMembership: {
      const auto& m = c.change_membership();
      if (!is_organizer(s, a, c.cycle())) return not_organizer();
      if (!s.is_member(m.unit_id())) return not_member("change_membership.unit_id", m.unit_id());
      if (m.reason().empty())
        return refuse("MISSING_FIELD", "change_membership.reason",
                      "a change of membership names the decision behind it",
                      "Thay đổi thành viên phải nêu quyết định làm căn cứ");
      if (auto e = check_date("change_membership.effective_date", m.effective_date(), s.key.year()))
        return *e;
      if (m.successor_unit_id() == m.unit_id())
        return refuse("INVALID_SUCCESSOR", "change_membership.successor_unit_id",
                      "a unit does not succeed itself", "Đơn vị không thể kế thừa chính mình");
      if (m.successor_unit_id().empty()) {
        if (m.unit_id() == s.chair)
          return refuse(
              "CHAIR_WITHOUT_SUCCESSOR", "change_membership.successor_unit_id",
              "the chair's unit cannot leave without a successor that takes the chair over",
              "Đơn vị Cụm trưởng không thể rời Cụm khi không có đơn vị kế thừa nhận vai trò Cụm trưởng");
        if (s.members.size() <= 2)
          return refuse("TOO_FEW_MEMBERS", "change_membership.unit_id", "a cluster keeps at least 2 members",
                        "Cụm phải còn ít nhất 2 đơn vị thành viên");
      }
      auto changed = membership_changed(s, m);
      // A member that had not signed leaves while every other one has: the pledge comes into force now.
      cycle_state after = s;
      apply_membership_change(after, changed);
      out.push_back(make([&](pb::Event& e) { *e.mutable_membership_changed() = std::move(changed); }));
      if (s.contents_adopted && !s.pledge_active && after.signed_units.size() == after.members.size())
        out.push_back(make([&](pb::Event& e) {
          e.mutable_pledge_activated()->set_signatures(static_cast<std::uint32_t>(after.members.size()));
        }));
      break;
    }
    case pb::Command::kDissolve: {
      if (!is_organizer(s, a, c.cycle())) return not_organizer();
      if (!s.decided.empty())
        return refuse("DECISIONS_RECORDED", "dissolve",
                      "award decisions are recorded in this cycle: it was not opened by mistake",
                      "Chu kỳ đã có quyết định khen thưởng nên không thể giải thể như mở nhầm");
      if (c.dissolve().reason().empty())
        return refuse("MISSING_FIELD", "dissolve.reason", "dissolving a cycle needs a reason",
                      "Giải thể chu kỳ phải nêu lý do");
      out.push_back(
          make([&](pb::Event& e) { e.mutable_cycle_dissolved()->set_reason(c.dissolve().reason()); }));
      break;
    }
    default:
      return refuse("MISSING_FIELD", "action", "unknown action", "Thao tác không xác định");
  }
  return out;
}

}  // namespace thidua::domain
