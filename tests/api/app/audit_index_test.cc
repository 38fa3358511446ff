// A unit's audit comes from the catalog's index of what each unit recorded: the same entries, in the same
// pages, as a scan of the log would give — also when the catalog has not applied the end of the log yet (that
// part is scanned) — and a page looks only at the unit's own records.

#include <gtest/gtest.h>

#include <algorithm>

#include "api/app/catalog_projection.h"
#include "api/app/membership_index.h"
#include "api/app/queries/query_context.h"
#include "domain/registry_decider.h"
#include "engine/command_pipeline.h"
#include "engine/projection_runner.h"
#include "tests/storage/log_fixture.h"
#include "tests/support/test_support.h"

namespace thidua::api {
namespace {

class audit_index_test : public testing::log_fixture {
 protected:
  void SetUp() override {
    log_fixture::SetUp();
    registry_ = std::make_unique<engine::command_pipeline<domain::registry_decider>>(*log_);
  }

  // Units registered, by the two offices in turn; `n` events from `first`.
  void register_units(int first, int n) {
    for (int i = first; i < first + n; ++i) {
      domain::pb::Actor office;
      office.set_unit_id(i % 3 == 0 ? "BCA-V01" : "BCA-X03");
      office.set_role(domain::pb::ORGANIZER_OFFICE);
      office.set_organizer_id("BCA");
      domain::pb::RegistryCommand c;
      c.mutable_register_unit()->set_unit_id("CA-" + std::to_string(i));
      c.mutable_register_unit()->set_name("Công an tỉnh số " + std::to_string(i));
      c.mutable_register_unit()->set_kind(domain::pb::PROVINCIAL_POLICE);
      ASSERT_OK(registry_->execute({"reg-" + std::to_string(i), office, c, 0, std::nullopt, {}, {}, {}}));
    }
  }

  // The catalog applied up to the log's head as it is now.
  void catch_up_catalog() {
    catalog_projection catalog;
    engine::projection_runner runner(*log_, catalog);
    runner.start();
    ASSERT_TRUE(runner.wait_for(log_->head(), std::chrono::seconds(20)));
    runner.stop();
  }

  // What a scan of the log says the unit recorded.
  std::vector<std::uint64_t> recorded_by(const std::string& unit) {
    std::vector<std::uint64_t> out;
    EXPECT_TRUE(
        log_->scan({1}, log_->head(), [&](const storage::pb::EventRecord& r, const storage::hash256&) {
          if (r.actor().unit_id() == unit) out.push_back(r.position());
          return true;
        }));
    return out;
  }

  // An organizer's office asking, looking at `max_scanned` records a page at most.
  query_context context(const membership_index& members, std::uint64_t max_scanned) {
    return {*log_,
            members,
            {domain::pb::ORGANIZER_OFFICE, "BCA-X03", "BCA", {}},
            1000,
            nullptr,
            0,
            max_scanned,
            catalog_projection::projection_name,
            {}};
  }

  // Every page of the unit's audit, from `from`, `limit` a page.
  std::vector<std::uint64_t> walk(const std::string& unit, bool backward, std::uint32_t limit,
                                  std::uint64_t max_scanned = 1'000'000, std::uint64_t from = 0) {
    membership_index members(*log_);
    const auto c = context(members, max_scanned);
    std::vector<std::uint64_t> seen;
    for (int pages = 0; pages < 1000; ++pages) {
      pb::AuditQuery q;
      q.set_unit_id(unit);
      q.set_limit(limit);
      q.set_backward(backward);
      q.set_from_position(from);
      auto page = audit(c, q, {});
      EXPECT_TRUE(page) << (page ? "" : page.error().message);
      if (!page) break;
      for (const auto& e : page.value().audit()) seen.push_back(e.event().position());
      if (page.value().next_position() == 0) break;
      from = page.value().next_position();
    }
    return seen;
  }

  std::unique_ptr<engine::command_pipeline<domain::registry_decider>> registry_;
};

TEST_F(audit_index_test, a_units_pages_equal_a_scan_of_the_log_both_ways_with_the_catalog_behind_or_not) {
  register_units(0, 150);
  catch_up_catalog();
  register_units(150, 40);  // the catalog has not applied these: that part of the log is scanned
  for (const std::string unit : {"BCA-V01", "BCA-X03", "CA-nobody"}) {
    const auto expected = recorded_by(unit);
    if (unit != "CA-nobody") {
      EXPECT_GE(expected.size(), 60u) << unit;
    }
    std::vector<std::uint64_t> reversed(expected.rbegin(), expected.rend());
    for (std::uint32_t limit : {1u, 7u, 1000u}) {
      EXPECT_EQ(walk(unit, false, limit), expected) << unit << " forward, " << limit << " a page";
      EXPECT_EQ(walk(unit, true, limit), reversed) << unit << " backward, " << limit << " a page";
    }
    // From the middle, both ways.
    const std::uint64_t middle = log_->head().value / 2;
    std::vector<std::uint64_t> after, before;
    for (auto p : expected) (p >= middle ? after : before).push_back(p);
    std::reverse(before.begin(), before.end());
    EXPECT_EQ(walk(unit, false, 7, 1'000'000, middle), after) << unit;
    EXPECT_EQ(walk(unit, true, 7, 1'000'000, middle - 1), before) << unit;
  }
  catch_up_catalog();
  EXPECT_EQ(walk("BCA-V01", false, 7), recorded_by("BCA-V01")) << "the catalog up to the head";
}

TEST_F(audit_index_test, a_page_looks_only_at_the_units_own_records) {
  register_units(0, 90);  // BCA-V01 recorded one event in three
  catch_up_catalog();
  // At most 6 records looked at a page: through the index each is the unit's own, so every page but the
  // last is full; a scan would find two of them in six.
  const auto pages_of = [&](std::uint32_t limit) {
    membership_index members(*log_);
    const auto c = context(members, 6);
    pb::AuditQuery q;
    q.set_unit_id("BCA-V01");
    q.set_limit(limit);
    auto page = audit(c, q, {});
    EXPECT_TRUE(page);
    return page ? page.value().audit_size() : 0;
  };
  EXPECT_EQ(pages_of(6), 6);
}

}  // namespace
}  // namespace thidua::api
