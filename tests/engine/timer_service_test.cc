// Durable timers (engine/timer_service.h) on a decider that knows nothing of emulation (invoice_decider.h):
// set with the events that want them, moved and cancelled by later commands, fired exactly once by the
// injected clock — also when due while the process was down, and when a crash left a recorded firing's timer
// behind. Nothing here sleeps for a deadline.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "engine/timer_service.h"
#include "tests/engine/invoice_decider.h"
#include "tests/storage/log_fixture.h"

namespace thidua::engine {
namespace {

using thidua::testing::invoice;
constexpr std::int64_t t0 = 1'700'000'000'000;

class timer_service_test : public thidua::testing::log_fixture {
 protected:
  void SetUp() override { open(); }
  void open() {
    service_.reset();
    pipeline_.reset();
    reopen_log();
    pipeline_ = std::make_unique<command_pipeline<invoice>>(*log_);
    service_ = std::make_unique<timer_service<invoice>>(*pipeline_, *log_, clock_);
  }
  result<command_result> run(std::string id, invoice::command c) {
    command_envelope<invoice> env;
    env.command_id = std::move(id);
    env.command = std::move(c);
    env.now_ms = clock_.now_ms();
    return pipeline_->execute(std::move(env));
  }
  std::vector<std::string> timers() {
    std::vector<std::string> out;
    auto due = log_->due_timers(std::numeric_limits<std::int64_t>::max(), 100'000);
    EXPECT_TRUE(due);
    for (const auto& t : due.value())
      out.push_back(t.stream_id + "/" + t.id + "@" + std::to_string(t.due_ms - t0));
    return out;
  }
  // The event types of a stream, in order.
  std::vector<std::string> events(const std::string& stream) {
    std::vector<std::string> out;
    auto page = log_->read_stream(stream, {1}, 1000);
    EXPECT_TRUE(page);
    for (const auto& e : page.value()) out.push_back(e->record.event_type());
    return out;
  }
  std::size_t fire() {
    auto n = service_->fire_due();
    EXPECT_TRUE(n) << n.error().message;
    return n ? n.value() : 0;
  }

  manual_wall_clock clock_{t0};
  std::unique_ptr<command_pipeline<invoice>> pipeline_;
  std::unique_ptr<timer_service<invoice>> service_;
};

TEST_F(timer_service_test, a_timer_is_set_with_its_events_and_fires_once_when_due_not_before) {
  ASSERT_TRUE(run("i1", {invoice::command::issue, "1", t0 + 60'000}));
  EXPECT_EQ(timers(), (std::vector<std::string>{"invoice-1/overdue@60000"}));

  clock_.advance(std::chrono::milliseconds(59'999));
  EXPECT_EQ(fire(), 0u);
  EXPECT_EQ(events("invoice-1"), (std::vector<std::string>{"Invoice.Issued"}));

  clock_.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(fire(), 1u);
  EXPECT_EQ(fire(), 0u);
  EXPECT_EQ(events("invoice-1"), (std::vector<std::string>{"Invoice.Issued", "Invoice.Overdue"}));
  EXPECT_TRUE(timers().empty());
  // Recorded by the clock, under the timer's own command id, in the log like any command.
  auto recorded = log_->read_stream("invoice-1", {2}, 1);
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded.value()[0]->record.actor().unit_id(), "clock");
  EXPECT_EQ(recorded.value()[0]->record.command_id(),
            "timer/invoice-1/overdue@" + std::to_string(t0 + 60'000));
  const auto s = service_->stats();
  EXPECT_EQ(s.fired, 1u);
  EXPECT_EQ(s.recorded, 1u);
  EXPECT_EQ(s.removed, 0u);
}

TEST_F(timer_service_test, a_moved_due_time_moves_the_timer_and_a_payment_cancels_it) {
  ASSERT_TRUE(run("i1", {invoice::command::issue, "1", t0 + 1000}));
  ASSERT_TRUE(run("i2", {invoice::command::issue, "2", t0 + 1000}));
  ASSERT_TRUE(run("m1", {invoice::command::move_due, "1", t0 + 5000}));
  ASSERT_TRUE(run("p2", {invoice::command::pay, "2", 0}));
  EXPECT_EQ(timers(), (std::vector<std::string>{"invoice-1/overdue@5000"}));

  clock_.advance(std::chrono::milliseconds(2000));
  EXPECT_EQ(fire(), 0u);
  clock_.advance(std::chrono::milliseconds(3000));
  EXPECT_EQ(fire(), 1u);
  EXPECT_EQ(events("invoice-1"),
            (std::vector<std::string>{"Invoice.Issued", "Invoice.DueMoved", "Invoice.Overdue"}));
  EXPECT_EQ(events("invoice-2"), (std::vector<std::string>{"Invoice.Issued", "Invoice.Paid"}));
}

TEST_F(timer_service_test, a_timer_due_while_the_process_was_down_fires_once_when_the_service_starts) {
  ASSERT_TRUE(run("i1", {invoice::command::issue, "1", t0 + 1000}));
  ASSERT_TRUE(run("i2", {invoice::command::issue, "2", t0 + 3'600'000}));
  service_.reset();
  pipeline_.reset();
  log_.reset();                           // the process stops …
  clock_.advance(std::chrono::hours(2));  // … and is down when both fall due
  open();
  service_->start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (service_->stats().recorded < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  service_->stop();
  EXPECT_EQ(events("invoice-1"), (std::vector<std::string>{"Invoice.Issued", "Invoice.Overdue"}));
  EXPECT_EQ(events("invoice-2"), (std::vector<std::string>{"Invoice.Issued", "Invoice.Overdue"}));
  EXPECT_TRUE(timers().empty());
  // Started again: nothing is due, nothing fires.
  open();
  EXPECT_EQ(fire(), 0u);
  EXPECT_EQ(log_->head().value, 4u);
}

TEST_F(timer_service_test, a_firing_recorded_before_a_crash_left_its_timer_is_not_recorded_twice) {
  ASSERT_TRUE(run("i1", {invoice::command::issue, "1", t0 + 1000}));
  clock_.advance(std::chrono::milliseconds(1000));
  ASSERT_EQ(fire(), 1u);
  // What a crash between recording and removing would leave (the log writes both in one batch, so only a
  // writer of its own can make it): the timer back, its firing already recorded.
  auto leftover = log_->append([&] {
    storage::append_request r;
    r.stream_id = "invoice-1";
    r.command_id = "another-writer";
    r.events.push_back({"Invoice.Paid", "0"});
    r.timers_set.push_back(
        {"", "overdue", t0 + 1000, invoice::encode_command({invoice::command::mark_overdue, "1", 0})});
    return r;
  }());
  ASSERT_TRUE(leftover);
  open();  // the pipeline reads the stream again
  ASSERT_EQ(fire(), 1u);
  EXPECT_EQ(events("invoice-1"),
            (std::vector<std::string>{"Invoice.Issued", "Invoice.Overdue", "Invoice.Paid"}));
  EXPECT_EQ(service_->stats().repeats, 1u);
  EXPECT_TRUE(timers().empty());
}

TEST_F(timer_service_test, a_firing_that_records_nothing_or_cannot_decode_removes_its_timer) {
  // A timer whose command no longer decodes (a newer writer's format), set by another writer.
  storage::append_request r;
  r.stream_id = "invoice-9";
  r.command_id = "foreign";
  r.events.push_back({"Invoice.Issued", std::to_string(t0 + 10)});
  r.timers_set.push_back({"", "overdue", t0 + 10, "not a command"});
  r.timers_set.push_back(
      {"", "early", t0 + 5, invoice::encode_command({invoice::command::mark_overdue, "9", 0})});
  ASSERT_TRUE(log_->append(std::move(r)));
  // "early" is decided before the invoice's due time: nothing to record.
  clock_.advance(std::chrono::milliseconds(7));
  EXPECT_EQ(fire(), 1u);
  EXPECT_EQ(timers(), (std::vector<std::string>{"invoice-9/overdue@10"}));
  // "overdue" cannot be decided at all.
  clock_.advance(std::chrono::milliseconds(3));
  EXPECT_EQ(fire(), 1u);
  EXPECT_TRUE(timers().empty());
  EXPECT_EQ(events("invoice-9"), (std::vector<std::string>{"Invoice.Issued"}));
  EXPECT_EQ(service_->stats().removed, 2u);
}

TEST_F(timer_service_test, a_thousand_timers_due_together_each_fire_once) {
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(
        run("i" + std::to_string(i), {invoice::command::issue, std::to_string(i), t0 + 1000 + i % 7}));
  clock_.advance(std::chrono::seconds(2));
  EXPECT_EQ(fire(), 1000u);
  EXPECT_EQ(fire(), 0u);
  EXPECT_EQ(log_->head().value, 2000u);
  for (int i = 0; i < 1000; i += 97)
    EXPECT_EQ(events("invoice-" + std::to_string(i)),
              (std::vector<std::string>{"Invoice.Issued", "Invoice.Overdue"}));
}

}  // namespace
}  // namespace thidua::engine
