#pragma once
// The cycle's deadline timers (engine/decider.h, schedules_timers): for each dated step not done, a reminder
// a week before its deadline (08:00 Vietnam time) and an overdue notice the day after it (00:00). They fire a
// NoteDeadline as the server's own actor; its decision records DeadlineApproaching or StepOverdue naming who
// still owes the step, once per step and deadline. A moved deadline moves them; a step done, a closed or
// dissolved cycle drops them. Deadlines already past when the cycle was opened get none: such a cycle is
// being recorded after the fact.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "domain/cycle_state.h"
#include "domain/proto/cycle.pb.h"
#include "domain/rejection.h"

namespace thidua::domain {

struct deadline_timer {
  std::string id;  // "remind:<cluster>:<step>", "overdue:<cluster>:<step>"
  std::int64_t due_ms = 0;
  pb::Command fires;  // a NoteDeadline
};

// The timers one cluster's cycle wants now.
std::vector<deadline_timer> deadline_timers(const cycle_state& cycle);

// Who acts when a deadline timer fires: the server itself (unit "@timer", a unit id no registry can give).
pb::Actor deadline_timer_actor();
bool is_deadline_timer(const pb::Actor& a);

// The decision on a NoteDeadline: the notice, or nothing when there is nothing to note any more (the step was
// done, the deadline moved, the notice was given, a reminder came after the deadline passed).
std::variant<std::vector<pb::Event>, rejection> decide_deadline_notice(const cycle_state& cycle,
                                                                       const pb::Command& c,
                                                                       const pb::Actor& a,
                                                                       std::int64_t now_ms);

// The units that still owe a step of the cycle ("launch", …): for the pledge's signatures the members that
// have not signed, for the self-assessments the members that have not submitted theirs; for every other
// step the chair, who records each conference, adopts the nominations and sends the dossier, and for the
// year-end summary also the members without a self-assessment.
std::vector<std::string> owing_units(const cycle_state& cycle, const std::string& step);

// The calendar day in Vietnam (UTC+7) at `ms` since the epoch; and 00:00 of a day there, in ms since the
// epoch.
std::string vietnam_date(std::int64_t ms);
std::int64_t vietnam_midnight_ms(const std::string& date);

// What a notice records in the state, so it is given once: "remind:<step>:<date>", "overdue:<step>:<date>".
std::string notice_key(pb::DeadlineNotice notice, const std::string& step, const std::string& date);

}  // namespace thidua::domain
