#include "domain/cycle_decider.h"
#include "domain/deadline_timers.h"

#include "domain/dates.h"
#include "domain/ids.h"

#include <algorithm>
#include <array>

namespace thidua::domain {
namespace {

// Stable type names: they are stored in the log and must never change (docs/events.md).
constexpr std::array<std::pair<pb::Event::BodyCase, const char*>, 26> type_names{{
    {pb::Event::kCycleOpened, "CycleOpened"},
    {pb::Event::kLaunchConferenceHeld, "LaunchConferenceHeld"},
    {pb::Event::kPledgeContentsAdopted, "PledgeContentsAdopted"},
    {pb::Event::kPledgeSigned, "PledgeSigned"},
    {pb::Event::kPledgeActivated, "PledgeActivated"},
    {pb::Event::kActivityRecorded, "ActivityRecorded"},
    {pb::Event::kMidYearReviewHeld, "MidYearReviewHeld"},
    {pb::Event::kSelfAssessmentSubmitted, "SelfAssessmentSubmitted"},
    {pb::Event::kScoresVerified, "ScoresVerified"},
    {pb::Event::kYearEndSummaryHeld, "YearEndSummaryHeld"},
    {pb::Event::kNominationVoteRecorded, "NominationVoteRecorded"},
    {pb::Event::kNominationsAdopted, "NominationsAdopted"},
    {pb::Event::kDossierSubmitted, "DossierSubmitted"},
    {pb::Event::kChairHandedOver, "ChairHandedOver"},
    {pb::Event::kHandoverVoided, "HandoverVoided"},
    {pb::Event::kAwardDecisionRecorded, "AwardDecisionRecorded"},
    {pb::Event::kCycleClosed, "CycleClosed"},
    {pb::Event::kAwardRevoked, "AwardRevoked"},
    {pb::Event::kSettingsChanged, "SettingsChanged"},
    {pb::Event::kCorrectionRecorded, "CorrectionRecorded"},
    {pb::Event::kCycleDissolved, "CycleDissolved"},
    {pb::Event::kMembershipChanged, "MembershipChanged"},
    {pb::Event::kPledgeContinued, "PledgeContinued"},
    {pb::Event::kAppraisalConferenceHeld, "AppraisalConferenceHeld"},
    {pb::Event::kDeadlineApproaching, "DeadlineApproaching"},
    {pb::Event::kStepOverdue, "StepOverdue"},
}};

}  // namespace

bool cycle_state::is_member(const std::string& unit) const {
  return std::find(members.begin(), members.end(), unit) != members.end();
}

const cycle_state& series_state::cycle(const std::string& number) const {
  static const cycle_state none;
  auto it = cycles.find(number);
  return it == cycles.end() ? none : it->second;
}

std::vector<std::string> cycle_state::leaders() const {
  std::vector<std::string> out;
  for (const auto& r : ranking)
    if (r.rank() == 1) out.push_back(r.unit_id());
  return out;
}

std::string normalize_cluster_number(std::string_view number) {
  if (number.empty() || number.size() > 8) return {};
  if (std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::size_t i = 0;
    while (i + 1 < number.size() && number[i] == '0') ++i;
    return std::string(number.substr(i));
  }
  // Roman numerals as the Ministry writes cluster numbers: I … XXXIX.
  static constexpr std::array<std::pair<char, int>, 3> digits{{{'I', 1}, {'V', 5}, {'X', 10}}};
  int total = 0, previous = 0;
  for (auto it = number.rbegin(); it != number.rend(); ++it) {
    const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(*it)));
    auto d = std::find_if(digits.begin(), digits.end(), [c](const auto& p) { return p.first == c; });
    if (d == digits.end()) return {};
    total += d->second < previous ? -d->second : d->second;
    previous = std::max(previous, d->second);
  }
  if (total <= 0 || total >= 40) return {};
  return std::to_string(total);
}

bool is_date(std::string_view d, bool month_only_allowed) {
  auto digits = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i)
      if (d[i] < '0' || d[i] > '9') return false;
    return true;
  };
  if (d.size() != 10 && !(month_only_allowed && d.size() == 7)) return false;
  if (d[4] != '-' || !digits(0, 4) || !digits(5, 2)) return false;
  const int month = (d[5] - '0') * 10 + (d[6] - '0');
  if (month < 1 || month > 12) return false;
  if (d.size() == 7) return true;
  if (d[7] != '-' || !digits(8, 2)) return false;
  const int year = std::stoi(std::string(d.substr(0, 4)));
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  static constexpr std::array<int, 12> days_in{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int day = (d[8] - '0') * 10 + (d[9] - '0');
  return day >= 1 && day <= days_in[month - 1] + (month == 2 && leap);
}

bool date_within(std::string_view d, std::string_view from, std::string_view to) {
  // ISO dates order as text; a month compares with the bounds' months.
  return d >= from.substr(0, d.size()) && d <= to.substr(0, d.size());
}

std::string cycle_decider::stream_of(const command& c) {
  const auto& k = c.cycle();
  const std::string number = normalize_cluster_number(k.number());
  if (!valid_entity_id(k.organizer_id()) || !valid_entity_id(k.series()) || number.empty() ||
      k.year() < 2000 || k.year() > 2100)
    return "cycles/invalid";  // decide refuses it with INVALID_CYCLE_KEY
  return "cycles/" + k.organizer_id() + "/" + k.series() + "/" + std::to_string(k.year());
}

std::vector<deadline_timer> cycle_decider::timers(const state& s, const command& c) {
  const std::string number = normalize_cluster_number(c.cycle().number());
  if (number.empty()) return {};
  return deadline_timers(s.cycle(number));
}

std::optional<pb::Command> cycle_decider::decode_command(std::string_view bytes) {
  pb::Command c;
  if (!c.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  return c;
}

pb::Actor cycle_decider::timer_actor() {
  return deadline_timer_actor();
}

std::uint64_t cycle_decider::version_of(const state& s, const command& c) {
  return s.cycle(normalize_cluster_number(c.cycle().number())).version;
}

bool recorded_by_organizer_office(const pb::Event& e) {
  switch (e.body_case()) {
    case pb::Event::kCycleOpened:
    case pb::Event::kSettingsChanged:
    case pb::Event::kHandoverVoided:
    case pb::Event::kAwardDecisionRecorded:
    case pb::Event::kCycleClosed:
    case pb::Event::kAwardRevoked:
    case pb::Event::kCycleDissolved:
      return true;
    case pb::Event::kCorrectionRecorded:
      return e.correction_recorded().by_organizer_office();
    default:
      return false;
  }
}

std::string_view event_type_name(pb::Event::BodyCase body) {
  for (const auto& [b, name] : type_names)
    if (b == body) return name;
  return "Unknown";
}

std::string cycle_decider::event_type(const event& e) {
  return std::string(event_type_name(e.body_case()));
}

bool cycle_decider::known_event_type(std::string_view type) {
  for (const auto& [body, name] : type_names)
    if (type == name) return true;
  return false;
}

std::optional<pb::Event> cycle_decider::decode(std::string_view type, std::string_view bytes) {
  pb::Event e;
  if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  if (event_type(e) != type) return std::nullopt;
  return e;
}

}  // namespace thidua::domain
