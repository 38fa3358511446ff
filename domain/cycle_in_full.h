#pragma once
// A cycle in full (views.proto CycleInFull): its timeline — each step with the day and place it names and who
// recorded it — and the tables of its minutes: the pledge matrix, the score table and ranking, each vote with
// its counts and quorum, nominations, decisions, revocations, handovers, membership changes, and the
// corrections beside what they correct. A pure fold of the cycle's events, in log order.

#include <map>
#include <string>

#include "domain/cycle_state.h"
#include "domain/proto/views.pb.h"
#include "domain/views.h"

namespace thidua::domain {

// Who recorded an event, as the log has it.
struct recorded_by {
  std::string unit_id;
  std::string person;
  std::string role;
};

class cycle_in_full_builder {
 public:
  // The cycle's next event (every event of one cycle view key, in log order).
  void add(const pb::Event& event, const event_meta& meta, const recorded_by& actor);
  // The cycle in full as the events added so far make it.
  pb::CycleInFull result() const;

 private:
  pb::CycleInFull out_;
  cycle_state state_;
  std::map<std::uint64_t, int> step_at_;              // position → its index in the timeline
  std::map<std::string, pb::PledgeCell> signatures_;  // unit → its signature
  std::map<std::string, pb::ScoreRow> scores_;        // unit → its row
};

}  // namespace thidua::domain
