// Random command sequences never reach a state that breaks an invariant, and folding the recorded events
// again gives the same state (evolve is deterministic).

#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "tests/domain/commands.h"
#include "tests/domain/cycle_harness.h"

namespace thidua::testing {
namespace {

const std::vector<std::string> units = {"U-A", "U-B", "U-C", "U-D", "U-E"};

std::string describe(const domain::cycle_state& s) {
  std::ostringstream o;
  o << s.opened << s.launched << s.contents_adopted << s.pledge_active << s.mid_year_done << s.summary_done
    << s.nominations_adopted << s.closed << '|' << s.chair << '|' << s.vice_chair << '|' << s.next_chair
    << '|' << s.next_vice_chair << '|' << s.contributions_vnd << '|';
  for (auto& u : s.signed_units) o << u << ',';
  for (auto& [u, p] : s.verified_totals) o << u << '=' << p << ',';
  for (auto& [u, a] : s.nominated) o << u << ':' << a << ',';
  for (auto& [u, a] : s.adopted) o << u << ':' << a << ',';
  for (auto& [u, g] : s.decided) o << u << '!' << g << ',';
  return o.str();
}

void check_invariants(const domain::cycle_state& s) {
  if (!s.opened) return;
  ASSERT_GE(s.members.size(), 2u);
  ASSERT_TRUE(s.is_member(s.chair));
  if (!s.vice_chair.empty()) {
    ASSERT_NE(s.chair, s.vice_chair);
    ASSERT_TRUE(s.is_member(s.vice_chair));
  }
  for (auto& u : s.signed_units) ASSERT_TRUE(s.is_member(u));
  ASSERT_EQ(s.pledge_active, s.signed_units.size() == s.members.size());
  for (auto& [u, p] : s.verified_totals) ASSERT_TRUE(s.self_totals.count(u));
  int government_flags = 0;
  for (auto& [u, a] : s.nominated) {
    ASSERT_TRUE(s.signed_units.count(u)) << "only members who signed are nominated";
    if (a == pb::GOVERNMENT_FLAG) {
      ++government_flags;
      auto leaders = s.leaders();
      ASSERT_NE(std::find(leaders.begin(), leaders.end(), u), leaders.end());
    }
  }
  ASSERT_LE(government_flags, 1);
  for (auto& [u, a] : s.adopted) ASSERT_EQ(s.nominated.at(u), a);
  for (auto& [u, g] : s.decided) ASSERT_TRUE(s.adopted.count(u));
  if (s.handed_over) {
    ASSERT_NE(s.next_chair, s.next_vice_chair);
    ASSERT_TRUE(s.is_member(s.next_chair));
    // The next vice chair may not be named yet.
    ASSERT_TRUE(s.next_vice_chair.empty() || s.is_member(s.next_vice_chair));
  }
  if (s.closed) {
    // Closed after adopting its nominations, or after a summary that left nobody to propose.
    ASSERT_TRUE(s.nominations_adopted || (s.summary_done && s.nominated.empty()));
  }
}

pb::Command random_command(std::mt19937& rng, const domain::cycle_state& s) {
  auto unit = [&] { return units[rng() % units.size()]; };
  auto award = [&] { return static_cast<pb::Award>(1 + rng() % 3); };
  switch (rng() % 17) {
    case 0:
      return cmd::open("Cụm", {units[0], units[1], units[2], unit()}, unit(), rng() % 4 ? unit() : "");
    case 1:
      return cmd::launch("2025-03-20");
    case 2:
      return cmd::contents();
    case 3:
    case 4:
      return cmd::sign(unit());
    case 5:
      return cmd::mid_year("2025-07-07");
    case 6:
      return cmd::self_score(unit(), rng() % 120);
    case 7:
      return cmd::verify(unit(), rng() % 120);
    case 8:
      return cmd::summary("2025-11-25");
    case 9: {
      // Usually a full, favourable meeting; sometimes anything.
      const auto n = static_cast<unsigned>(s.members.size());
      if (rng() % 4 == 0)
        return cmd::vote(award(), {{unit(), unsigned(rng() % 6), unsigned(rng() % 3), 0}}, rng() % 6);
      return cmd::vote(award(), {{unit(), n, 0, 0}}, n);
    }
    case 10:
      return cmd::adopt();
    case 11:
      return cmd::handover(2026, unit(), unit());
    case 12:
      return cmd::decision("QĐ", static_cast<pb::Authority>(1 + rng() % 2), {{unit(), award()}}, "2026-03");
    case 13:
      return cmd::close();
    case 14: {
      pb::Command c;
      c.mutable_void_handover()->set_reason("tổ chức lại");
      return c;
    }
    case 15: {
      pb::Command c;
      c.mutable_revoke_award()->set_unit_id(unit());
      c.mutable_revoke_award()->set_award(award());
      c.mutable_revoke_award()->set_reason("gian dối");
      return c;
    }
    default: {
      pb::Command c;
      auto* k = c.mutable_activity()->add_contributions();
      k->set_unit_id(unit());
      k->set_amount_vnd(static_cast<std::int64_t>(rng() % 3) * 1'000'000);
      return c;
    }
  }
}

pb::Actor random_actor(std::mt19937& rng) {
  switch (rng() % 6) {
    case 0:
      return organizer();
    case 1:
      return as(units[rng() % units.size()], pb::CHAIR);
    case 2:
      return as(units[rng() % units.size()], pb::VICE_CHAIR);
    case 3:
      return as(units[rng() % units.size()], pb::OBSERVER);
    default:
      return as(units[rng() % units.size()], pb::MEMBER);
  }
}

// Mostly the actor the command needs, so the walk gets deep into the cycle; sometimes anyone at all.
pb::Actor plausible_actor(std::mt19937& rng, const pb::Command& c, const domain::cycle_state& s) {
  if (rng() % 10 >= 8) return random_actor(rng);
  if (c.has_sign_pledge()) return as(c.sign_pledge().unit_id(), pb::MEMBER);
  if (c.has_self_assessment()) return as(c.self_assessment().unit_id(), pb::MEMBER);
  if (c.has_open() || c.has_award_decision() || c.has_close() || c.has_void_handover() ||
      c.has_revoke_award())
    return organizer();
  return as(s.chair, pb::CHAIR);
}

TEST(cycle_properties, random_sequences_keep_every_invariant_and_replays_are_deterministic) {
  std::mt19937 rng(424242);
  std::size_t accepted = 0;
  int closed_runs = 0;
  int reached[3] = {0, 0, 0};
  for (int run = 0; run < 200; ++run) {
    cycle_harness h(cmd::key("BCA", "dia-phuong", "3", 2025));
    for (int step = 0; step < 1200; ++step) {
      auto c = random_command(rng, h.state());
      auto r = h.run(plausible_actor(rng, c, h.state()), c);
      if (std::holds_alternative<std::vector<pb::Event>>(r)) ++accepted;
      check_invariants(h.state());
      if (::testing::Test::HasFatalFailure()) return;
    }
    closed_runs += h.state().closed;
    reached[0] += h.state().pledge_active;
    reached[1] += h.state().summary_done;
    reached[2] += h.state().nominations_adopted;
    auto refold = cycle_decider::initial();
    for (const auto& e : h.history()) refold = cycle_decider::evolve(refold, e);
    ASSERT_EQ(describe(refold.cycle("3")), describe(h.state())) << "run " << run;
  }
  EXPECT_GT(accepted, 5000u) << "the random walk should get somewhere";
  EXPECT_GT(closed_runs, 5) << "some walks should reach the end of a cycle; active " << reached[0]
                            << ", summary " << reached[1] << ", adopted " << reached[2];
}

}  // namespace
}  // namespace thidua::testing
