// Who reads a cluster's year: the membership index learns it from the log, in batches or at start.

#include "api/app/membership_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>

#include "api/app/command_service.h"
#include "engine/clock.h"
#include "tests/domain/commands.h"
#include "tests/storage/log_fixture.h"
#include "tests/support/test_support.h"

namespace thidua::api {
namespace {

class membership_index_test : public testing::log_fixture {
 protected:
  void SetUp() override {
    log_fixture::SetUp();
    office_.set_unit_id("BCA-X03");
    office_.set_person_name("Cán bộ thường trực");
    office_.set_role("ORGANIZER_OFFICE");
    office_.set_organizer_id("BCA");
    commands_ = std::make_unique<command_service>(*log_, clock_);
  }

  void run(pb::SubmitCommand c) {
    std::promise<result<pb::CommandAccepted>> done;
    commands_->execute(office_, std::move(c),
                       [&](result<pb::CommandAccepted> r) { done.set_value(std::move(r)); });
    ASSERT_OK(done.get_future().get());
  }
  void registry(const std::string& id, domain::pb::RegistryCommand c) {
    pb::SubmitCommand s;
    s.set_command_id(id);
    *s.mutable_registry() = std::move(c);
    run(std::move(s));
  }
  void cycle(const std::string& id, domain::pb::Command c) {
    pb::SubmitCommand s;
    s.set_command_id(id);
    *c.mutable_cycle() = testing::cmd::key("BCA", "dia-phuong", "1", 2025);
    *s.mutable_cycle() = std::move(c);
    run(std::move(s));
  }
  void register_units(std::initializer_list<const char*> units) {
    for (const char* u : units) {
      domain::pb::RegistryCommand c;
      c.mutable_register_unit()->set_unit_id(u);
      c.mutable_register_unit()->set_name(std::string("Công an tỉnh ") + u);
      c.mutable_register_unit()->set_kind(domain::pb::PROVINCIAL_POLICE);
      registry(std::string("reg-") + u, std::move(c));
    }
    domain::pb::RegistryCommand d;
    d.mutable_define_cluster()->set_organizer_id("BCA");
    d.mutable_define_cluster()->set_series("dia-phuong");
    d.mutable_define_cluster()->set_number("1");
    d.mutable_define_cluster()->set_name("Cụm thi đua số 1");
    registry("define-1", std::move(d));
  }

  // The members the index holds for cluster 1 of 2025, learned batch by batch and loaded at a start.
  std::pair<std::vector<std::string>, std::vector<std::string>> readers() {
    membership_index learned(*log_), loaded(*log_);
    auto all = log_->read_all({1}, 10'000);
    EXPECT_TRUE(all);
    if (all)
      for (const auto& e : all.value()) learned.learn({e});
    EXPECT_TRUE(loaded.load("no-such-projection"));
    auto sorted = [](membership_index::unit_list l) {
      std::vector<std::string> v(*l);
      std::sort(v.begin(), v.end());
      return v;
    };
    const std::string stream = "cycles/BCA/dia-phuong/2025";
    return {sorted(learned.members(stream, "1")), sorted(loaded.members(stream, "1"))};
  }

  engine::manual_wall_clock clock_{1'750'000'000'000};
  std::unique_ptr<command_service> commands_;
  pb::TokenGrant office_;
};

TEST_F(membership_index_test, the_members_of_a_dissolved_opening_keep_reading_the_clusters_year) {
  register_units({"CA-A", "CA-B", "CA-C", "CA-D"});
  cycle("open", testing::cmd::open("Cụm 1", {"CA-A", "CA-B"}, "CA-A", ""));
  domain::pb::Command dissolve;
  dissolve.mutable_dissolve()->set_reason("mở nhầm");
  cycle("dissolve", dissolve);
  cycle("open-again", testing::cmd::open("Cụm 1", {"CA-C", "CA-D"}, "CA-C", ""));
  const std::vector<std::string> all{"CA-A", "CA-B", "CA-C", "CA-D"};
  auto [learned, loaded] = readers();
  EXPECT_EQ(learned, all);
  EXPECT_EQ(loaded, all);
}

}  // namespace
}  // namespace thidua::api
