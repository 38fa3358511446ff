// The cycle decider runs unchanged on the generic engine and the real RocksDB log: commands become durable
// events, a refusal writes nothing, and a fresh replay of the stream gives the same state.

#include <gtest/gtest.h>

#include "domain/cycle_decider.h"
#include "engine/command_pipeline.h"
#include "tests/domain/commands.h"
#include "tests/domain/cycle_harness.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

static_assert(engine::decider<domain::cycle_decider>, "the domain satisfies the engine's contract");

TEST(cycle_through_engine, commands_are_durable_events_and_refusals_write_nothing) {
  temp_dir dir;
  auto opened = storage::event_log::open(storage::log_options{.path = dir.sub("db")});
  ASSERT_TRUE(opened);
  auto log = std::move(opened).value();
  const auto key = cmd::key("BCA", "dia-phuong", "5", 2024);
  auto run = [&](std::string id, const pb::Actor& actor, pb::Command c) {
    *c.mutable_cycle() = key;
    engine::command_pipeline<domain::cycle_decider> pipeline(*log);
    return pipeline.execute(
        {std::move(id), actor, std::move(c), 1'710'806'400'000, std::nullopt, {}, {}, {}});
  };
  const std::vector<std::string> members = {"CA-HungYen", "CA-ThaiBinh", "CA-HaNam", "CA-NamDinh",
                                            "CA-HaiDuong"};
  ASSERT_OK(run("open-5-2024", organizer(),
                cmd::open("Cụm thi đua số 5 - Bộ Công an", members, "CA-HungYen", "CA-ThaiBinh")));
  pb::Actor chair = as("CA-HungYen", pb::CHAIR);
  chair.set_person_name("Nguyễn Thanh Trường");
  chair.set_rank("Đại tá");
  chair.set_position("Giám đốc");
  ASSERT_OK(run("launch-5-2024", chair, cmd::launch("2024-03-19", "Hưng Yên")));

  auto refused = run("launch-again", chair, cmd::launch("2024-03-19", "Hưng Yên"));
  ASSERT_FALSE(refused);
  ASSERT_NE(engine::rejection_of(refused.error()), nullptr);
  EXPECT_EQ(engine::rejection_of(refused.error())->code, "ALREADY_RECORDED");
  EXPECT_FALSE(engine::rejection_of(refused.error())->message_vi.empty());
  EXPECT_EQ(log->head().value, 2u) << "a refusal writes nothing";

  auto events = log->read_stream("cycles/BCA/dia-phuong/2024", {1}, 10);
  ASSERT_TRUE(events);
  ASSERT_EQ(events.value().size(), 2u);
  EXPECT_EQ(events.value()[0]->record.event_type(), "CycleOpened");
  EXPECT_EQ(events.value()[1]->record.event_type(), "LaunchConferenceHeld");
  EXPECT_EQ(events.value()[1]->record.actor().person(), "Đại tá Nguyễn Thanh Trường, Giám đốc");
  EXPECT_EQ(events.value()[1]->record.actor().role(), "CHAIR");
  auto decoded = domain::cycle_decider::decode("LaunchConferenceHeld", events.value()[1]->record.payload());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->launch_conference_held().details().place(), "Hưng Yên");

  engine::command_pipeline<domain::cycle_decider> fresh(*log);
  auto state = fresh.load("cycles/BCA/dia-phuong/2024");
  ASSERT_TRUE(state);
  EXPECT_EQ(state.value().version, 2u);
  EXPECT_TRUE(state.value().state.cycle("5").launched);
  EXPECT_EQ(state.value().state.cycle("5").members, members);
}

}  // namespace
}  // namespace thidua::testing
