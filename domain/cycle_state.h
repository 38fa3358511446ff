#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "domain/proto/cycle.pb.h"

namespace thidua::domain {

// The state of one cluster's cycle in one year: a pure fold of its events (evolve).
struct cycle_state {
  // Events of this cycle folded in: what a client's expected_version concerns (never the series stream's
  // version, which counts every cluster's events).
  std::uint64_t version = 0;
  bool opened = false;
  pb::CycleKey key;
  std::string cluster_name;
  std::vector<std::string> members;
  std::string chair;
  std::string vice_chair;
  pb::Settings settings;
  std::string recorded_on;              // the day the opening was recorded (CycleOpened.recorded_on)
  std::set<std::string> notices_given;  // deadline notices recorded (domain/deadline_timers.h: notice_key)

  bool launched = false;
  bool contents_adopted = false;
  bool pledge_active = false;
  bool mid_year_done = false;
  bool appraisal_done = false;
  std::uint32_t pledge_through_year = 0;  // the last year the adopted (or continued) pledge holds for
  std::uint32_t pledge_continued_from = 0;
  bool summary_done = false;
  bool nominations_adopted = false;
  bool dossier_submitted = false;
  bool closed = false;
  bool dissolved = false;  // dissolved and not opened again
  std::string dissolved_reason;
  std::set<std::string> former_members;  // members of a dissolved opening of this cluster's year

  std::set<std::string> signed_units;
  std::map<std::string, std::uint32_t> self_totals;
  std::map<std::string, std::uint32_t> verified_totals;
  std::vector<pb::RankEntry> ranking;
  std::map<std::string, pb::Award> nominated;  // passed a vote: one award form per unit
  std::map<std::string, pb::Award> adopted;    // in the adopted nomination list
  std::map<std::string, bool> decided;         // unit → granted
  std::set<std::string> revoked;
  std::int64_t contributions_vnd = 0;

  bool handed_over = false;
  std::string next_chair;
  std::string next_vice_chair;

  bool is_member(const std::string& unit) const;
  std::uint32_t quorum_percent() const { return settings.quorum_percent() ? settings.quorum_percent() : 100; }
  std::uint32_t pass_threshold_percent() const {
    return settings.pass_threshold_percent() ? settings.pass_threshold_percent() : 50;
  }
  // The top-ranked units (rank 1) of the year-end summary.
  std::vector<std::string> leaders() const;
};

// Every cycle of one series of clusters in one year (e.g. the Ministry's provincial clusters of 2023): the
// aggregate the decider works on, so that "a unit sits in at most one cluster of a series per year" is
// checked where it is decided.
struct series_state {
  std::map<std::string, cycle_state> cycles;           // by normalized cluster number
  std::map<std::string, std::string> cluster_of_unit;  // unit → cluster number it is a member of this year

  // The cycle of a cluster, or an empty (not opened) one.
  const cycle_state& cycle(const std::string& number) const;
};

}  // namespace thidua::domain
