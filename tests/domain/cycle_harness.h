#pragma once
// Drives the cycle decider in memory: decide, then evolve what it decided, like the engine does.

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "domain/cycle_decider.h"
#include "domain/views.h"

namespace thidua::testing {

using domain::cycle_decider;
namespace pb = domain::pb;

inline pb::Actor organizer(const std::string& org = "BCA") {
  pb::Actor a;
  a.set_unit_id(org + "-X03");
  a.set_person_name("Nguyễn Văn Bình");
  a.set_rank("Đại tá");
  a.set_position("Phó Cục trưởng");
  a.set_role(pb::ORGANIZER_OFFICE);
  a.set_organizer_id(org);
  return a;
}

inline pb::Actor as(const std::string& unit, pb::Role role) {
  pb::Actor a;
  a.set_unit_id(unit);
  a.set_person_name("Người ký");
  a.set_role(role);
  return a;
}

class cycle_harness {
 public:
  explicit cycle_harness(pb::CycleKey key) : key_(std::move(key)) {}

  // Runs a command; returns the events, or fails the test with the rejection.
  std::vector<pb::Event> ok(const pb::Actor& actor, pb::Command c) {
    auto r = run(actor, std::move(c));
    if (auto* refused = std::get_if<domain::rejection>(&r)) {
      ADD_FAILURE() << refused->code << " (" << refused->field << "): " << refused->message_en;
      return {};
    }
    return std::get<std::vector<pb::Event>>(r);
  }

  // Runs a command that must be refused; returns the code (and checks nothing changed).
  std::string refused(const pb::Actor& actor, pb::Command c) {
    const std::string before = fingerprint();
    auto r = run(actor, std::move(c));
    auto* refused = std::get_if<domain::rejection>(&r);
    if (!refused) {
      ADD_FAILURE() << "expected a refusal, got " << std::get<std::vector<pb::Event>>(r).size() << " events";
      return {};
    }
    EXPECT_FALSE(refused->message_en.empty());
    EXPECT_FALSE(refused->message_vi.empty());
    EXPECT_FALSE(refused->field.empty());
    EXPECT_EQ(before, fingerprint()) << "a refused command changes nothing";
    last_ = *refused;
    return refused->code;
  }

  std::variant<std::vector<pb::Event>, domain::rejection> run(const pb::Actor& actor, pb::Command c) {
    if (!c.has_cycle()) *c.mutable_cycle() = key_;
    auto r = cycle_decider::decide(series_, c, actor, now_ms_);
    if (auto* events = std::get_if<std::vector<pb::Event>>(&r)) {
      for (const auto& e : *events) {
        // What is stored must decode to the same event under the same type name.
        auto back = cycle_decider::decode(cycle_decider::event_type(e), cycle_decider::encode(e));
        EXPECT_TRUE(back.has_value()) << cycle_decider::event_type(e);
        series_ = cycle_decider::evolve(series_, back.value_or(e));
        history_.push_back(e);
      }
    }
    return r;
  }

  // This harness's cluster's cycle, and the whole series-year it lives in.
  const domain::cycle_state& state() const {
    return series_.cycle(domain::normalize_cluster_number(key_.number()));
  }
  const domain::series_state& series() const { return series_; }
  void set_key(pb::CycleKey key) { key_ = std::move(key); }
  const std::vector<pb::Event>& history() const { return history_; }
  const domain::rejection& last_rejection() const { return last_; }
  const pb::CycleKey& key() const { return key_; }
  // The time commands are decided at (default 0: 1970-01-01, before every deadline).
  void set_now(std::int64_t ms) { now_ms_ = ms; }

 private:
  // Everything the harness holds: every cycle's whole state (its view round-trips, domain/views.h), which
  // cluster each unit sits in, and the events so far.
  std::string fingerprint() const {
    std::string f;
    for (const auto& [number, cycle] : series_.cycles)
      f += number + '\n' + domain::serialize_view(domain::to_view(cycle)) + '\n';
    for (const auto& [unit, number] : series_.cluster_of_unit) f += unit + '=' + number + '\n';
    for (const auto& e : history_) f += e.SerializeAsString();
    return f;
  }
  pb::CycleKey key_;
  domain::series_state series_ = cycle_decider::initial();
  std::vector<pb::Event> history_;
  domain::rejection last_;
  std::int64_t now_ms_ = 0;
};

}  // namespace thidua::testing
