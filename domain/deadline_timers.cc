#include "domain/deadline_timers.h"

#include <algorithm>

#include "domain/deadlines.h"

namespace thidua::domain {
namespace {

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;
constexpr std::int64_t vietnam_offset_ms = 7LL * 3600 * 1000;
constexpr const char* timer_unit = "@timer";

std::int64_t remind_at(const std::string& deadline) {
  return vietnam_midnight_ms(deadline) - 7 * day_ms + 8LL * 3600 * 1000;
}
std::int64_t overdue_at(const std::string& deadline) {
  return vietnam_midnight_ms(deadline) + day_ms;
}

pb::Command note(const cycle_state& s, const step_deadline& d, pb::DeadlineNotice kind) {
  pb::Command c;
  *c.mutable_cycle() = s.key;
  auto* n = c.mutable_note_deadline();
  n->set_step(d.step);
  n->set_notice(kind);
  n->set_date(d.date);
  return c;
}

rejection refuse(std::string code, std::string field, std::string en, std::string vi) {
  return {std::move(code), std::move(field), std::move(en), std::move(vi)};
}

}  // namespace

std::string vietnam_date(std::int64_t ms) {
  const std::int64_t local = ms + vietnam_offset_ms;
  return date_of_day(static_cast<long>(local >= 0 ? local / day_ms : (local - day_ms + 1) / day_ms));
}

std::int64_t vietnam_midnight_ms(const std::string& date) {
  return static_cast<std::int64_t>(day_number(date)) * day_ms - vietnam_offset_ms;
}

std::string notice_key(pb::DeadlineNotice notice, const std::string& step, const std::string& date) {
  return std::string(notice == pb::NOTICE_REMINDER ? "remind:" : "overdue:") + step + ":" + date;
}

std::vector<deadline_timer> deadline_timers(const cycle_state& s) {
  std::vector<deadline_timer> out;
  // Openings recorded before the timers existed say no day: no notices for them either.
  if (s.recorded_on.empty()) return out;
  const std::string cluster = s.key.number();
  for (const auto& d : deadlines_of(s)) {
    if (d.done || d.date < s.recorded_on) continue;
    if (!s.notices_given.count(notice_key(pb::NOTICE_REMINDER, d.step, d.date)))
      out.push_back({"remind:" + cluster + ":" + d.step, remind_at(d.date), note(s, d, pb::NOTICE_REMINDER)});
    if (!s.notices_given.count(notice_key(pb::NOTICE_OVERDUE, d.step, d.date)))
      out.push_back(
          {"overdue:" + cluster + ":" + d.step, overdue_at(d.date), note(s, d, pb::NOTICE_OVERDUE)});
  }
  return out;
}

pb::Actor deadline_timer_actor() {
  pb::Actor a;
  a.set_unit_id(timer_unit);
  a.set_person_name("Hệ thống nhắc hạn");
  return a;
}

bool is_deadline_timer(const pb::Actor& a) {
  return a.unit_id() == timer_unit && a.role() == pb::ROLE_UNSPECIFIED;
}

std::vector<std::string> owing_units(const cycle_state& s, const std::string& step) {
  std::vector<std::string> out;
  // Signatures and self-assessments are each member's own: the members that have not, and nobody else.
  if (step == "pledge_signing") {
    for (const auto& m : s.members)
      if (!s.signed_units.count(m)) out.push_back(m);
    return out;
  }
  if (step == "self_assessment" || step == "year_end_summary")
    for (const auto& m : s.members)
      if (!s.self_totals.count(m)) out.push_back(m);
  if (step == "self_assessment") return out;
  if (!s.chair.empty() && std::find(out.begin(), out.end(), s.chair) == out.end())
    out.insert(out.begin(), s.chair);
  return out;
}

std::variant<std::vector<pb::Event>, rejection> decide_deadline_notice(const cycle_state& s,
                                                                       const pb::Command& c,
                                                                       const pb::Actor& a,
                                                                       std::int64_t now_ms) {
  if (!is_deadline_timer(a))
    return refuse("FORBIDDEN_ROLE", "note_deadline",
                  "deadline notices are recorded by the server's deadline timer only",
                  "Chỉ hệ thống nhắc hạn của máy chủ mới ghi nhận thông báo hạn");
  const auto& n = c.note_deadline();
  if (n.notice() != pb::NOTICE_REMINDER && n.notice() != pb::NOTICE_OVERDUE)
    return refuse("MISSING_FIELD", "note_deadline.notice", "the notice is a reminder or an overdue notice",
                  "Thông báo phải là nhắc hạn hoặc quá hạn");
  std::vector<pb::Event> none;
  const auto steps = deadlines_of(s);
  const auto d = std::find_if(steps.begin(), steps.end(), [&](const auto& x) { return x.step == n.step(); });
  // Done, moved, dropped (a mid-year review skipped), or noted already: nothing to say any more.
  if (d == steps.end() || d->done || d->date != n.date() ||
      s.notices_given.count(notice_key(n.notice(), d->step, d->date)))
    return none;
  pb::Event e;
  if (n.notice() == pb::NOTICE_REMINDER) {
    if (now_ms >= overdue_at(d->date)) return none;  // late: the overdue notice says it
    auto* m = e.mutable_deadline_approaching();
    m->set_step(d->step);
    m->set_step_vi(d->step_vi);
    m->set_date(d->date);
    for (const auto& u : owing_units(s, d->step)) m->add_owing_unit_ids(u);
    m->set_days_left(static_cast<std::uint32_t>(std::max(0, days_between(vietnam_date(now_ms), d->date))));
  } else {
    if (now_ms < overdue_at(d->date)) return none;  // early: the deadline has not passed
    auto* m = e.mutable_step_overdue();
    m->set_step(d->step);
    m->set_step_vi(d->step_vi);
    m->set_date(d->date);
    for (const auto& u : owing_units(s, d->step)) m->add_owing_unit_ids(u);
  }
  return std::vector<pb::Event>{std::move(e)};
}

}  // namespace thidua::domain
