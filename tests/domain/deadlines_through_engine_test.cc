// The cycle's deadline timers on the generic engine and the real RocksDB log, time from an injected clock:
// timers recorded with the opening, a moved deadline moving them, a reminder and an overdue notice each
// recorded once — the overdue one while the process was down, fired at start — and in the cycle's stream.

#include <gtest/gtest.h>

#include "domain/cycle_decider.h"
#include "domain/deadline_timers.h"
#include "engine/timer_service.h"
#include "tests/domain/commands.h"
#include "tests/domain/cycle_harness.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

static_assert(engine::schedules_timers<domain::cycle_decider>, "the cycle wants deadline timers");

std::int64_t at(const std::string& date, int hour) {
  return domain::vietnam_midnight_ms(date) + hour * 3'600'000LL;
}

class deadlines_through_engine : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void open() {
    timers_.reset();
    pipeline_.reset();
    log_.reset();
    auto opened = storage::event_log::open(storage::log_options{.path = dir_.sub("db")});
    ASSERT_TRUE(opened);
    log_ = std::move(opened).value();
    pipeline_ = std::make_unique<engine::command_pipeline<domain::cycle_decider>>(*log_);
    timers_ = std::make_unique<engine::timer_service<domain::cycle_decider>>(*pipeline_, *log_, clock_);
  }
  void run(std::string id, const pb::Actor& actor, pb::Command c) {
    *c.mutable_cycle() = key_;
    ASSERT_OK(
        pipeline_->execute({std::move(id), actor, std::move(c), clock_.now_ms(), std::nullopt, {}, {}, {}}));
  }
  std::vector<std::string> timers() {
    std::vector<std::string> out;
    auto due = log_->due_timers(std::numeric_limits<std::int64_t>::max(), 100);
    EXPECT_TRUE(due);
    for (const auto& t : due.value()) out.push_back(t.id + "@" + domain::vietnam_date(t.due_ms));
    return out;
  }
  // The stream's events from `from`: type and, for a notice, its step and date.
  std::vector<std::string> events_from(std::uint64_t from) {
    std::vector<std::string> out;
    auto page = log_->read_stream(stream_, {from}, 100);
    EXPECT_TRUE(page);
    for (const auto& e : page.value()) {
      std::string line = e->record.event_type();
      auto d = domain::cycle_decider::decode(e->record.event_type(), e->record.payload());
      if (d && d->has_deadline_approaching())
        line += " " + d->deadline_approaching().step() + " " + d->deadline_approaching().date();
      if (d && d->has_step_overdue()) line += " " + d->step_overdue().step() + " " + d->step_overdue().date();
      out.push_back(line);
    }
    return out;
  }

  temp_dir dir_;
  engine::manual_wall_clock clock_{at("2024-01-10", 9)};
  std::unique_ptr<storage::event_log> log_;
  std::unique_ptr<engine::command_pipeline<domain::cycle_decider>> pipeline_;
  std::unique_ptr<engine::timer_service<domain::cycle_decider>> timers_;
  const pb::CycleKey key_ = cmd::key("BCA", "dia-phuong", "5", 2024);
  const std::string stream_ = "cycles/BCA/dia-phuong/2024";
};

TEST_F(deadlines_through_engine, notices_are_recorded_once_each_also_when_due_while_the_process_was_down) {
  const std::vector<std::string> members = {"CA-HungYen", "CA-ThaiBinh", "CA-HaNam", "CA-NamDinh"};
  auto s = cmd::settings_with_criteria({{"ket_qua", 100}});
  s.set_skip_mid_year_review(true);
  s.mutable_deadlines()->set_launch_by("2024-03-15");
  run("open", organizer(),
      cmd::open("Cụm thi đua số 5 - Bộ Công an", members, "CA-HungYen", "CA-ThaiBinh", s));
  EXPECT_EQ(timers(), (std::vector<std::string>{
                          "remind:5:launch@2024-03-08", "overdue:5:launch@2024-03-16",
                          "remind:5:year_end_summary@2024-11-23", "overdue:5:year_end_summary@2024-12-01",
                          "remind:5:nominations@2024-12-08", "overdue:5:nominations@2024-12-16"}));

  // The organizer moves the launch deadline: its two timers move with it.
  pb::Command change;
  *change.mutable_change_settings()->mutable_settings() = s;
  change.mutable_change_settings()->mutable_settings()->mutable_deadlines()->set_launch_by("2024-03-31");
  change.mutable_change_settings()->set_reason("Lùi hạn phát động");
  run("move", organizer(), change);
  EXPECT_EQ(timers().front(), "remind:5:launch@2024-03-24");

  clock_.set(at("2024-03-24", 7));
  ASSERT_EQ(timers_->fire_due().value(), 0u) << "not before 08:00";
  clock_.set(at("2024-03-24", 8));
  ASSERT_EQ(timers_->fire_due().value(), 1u);
  EXPECT_EQ(events_from(3), (std::vector<std::string>{"DeadlineApproaching launch 2024-03-31"}));

  // The process stops, and is down when the launch falls overdue.
  timers_.reset();
  pipeline_.reset();
  log_.reset();
  clock_.set(at("2024-04-02", 10));
  open();
  ASSERT_EQ(timers_->fire_due().value(), 1u);
  ASSERT_EQ(timers_->fire_due().value(), 0u);
  EXPECT_EQ(events_from(3), (std::vector<std::string>{"DeadlineApproaching launch 2024-03-31",
                                                      "StepOverdue launch 2024-03-31"}));
  auto overdue = log_->read_stream(stream_, {4}, 1);
  ASSERT_TRUE(overdue);
  EXPECT_EQ(overdue.value()[0]->record.actor().unit_id(), "@timer");
  EXPECT_EQ(overdue.value()[0]->record.command_id(),
            "timer/" + stream_ + "/overdue:5:launch@" + std::to_string(at("2024-04-01", 0)));
  EXPECT_EQ(timers().front(), "remind:5:year_end_summary@2024-11-23");

  // The launch is held late: nothing more is noted of it; the cycle's version counts the records only.
  pb::Actor chair = as("CA-HungYen", pb::CHAIR);
  run("launch", chair, cmd::launch("2024-04-05", "Hưng Yên"));
  auto state = pipeline_->load(stream_);
  ASSERT_TRUE(state);
  EXPECT_EQ(state.value().state.cycle("5").version, 3u) << "opened, settings changed, launched";
  EXPECT_EQ(state.value().version, 5u) << "the stream holds the two notices too";
}

}  // namespace
}  // namespace thidua::testing
