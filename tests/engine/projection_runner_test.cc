#include "engine/projection_runner.h"

#include "engine/errc.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "tests/engine/read_model.h"
#include "tests/storage/log_fixture.h"
#include "tests/storage/log_test_util.h"
#include "tests/support/test_support.h"

namespace thidua::engine {
namespace {

using thidua::testing::make_append;
using thidua::testing::temp_dir;

// Counts events and payload bytes per stream.
class stream_counts final : public projection {
 public:
  explicit stream_counts(std::string name = "stream_counts") : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  result<void> apply(const storage::record_view& e, projection_context& ctx) override {
    auto current = ctx.get(std::string(e.stream_id));
    if (!current) return current.error();
    const long n = current.value() ? std::stol(*current.value()) : 0;
    ctx.put(std::string(e.stream_id), std::to_string(n + 1));
    ctx.put("last", std::to_string(e.position));
    return success();
  }

 private:
  std::string name_;
};

using thidua::testing::read_model;

// Waits (at most 20 s) until the runner's rebuild swapped in.
bool rebuilt(const projection_runner& runner) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (runner.rebuilding().running) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

class runner_test : public thidua::testing::log_fixture {
 protected:
  void append_many(int n) {
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(log_->append(make_append("s" + std::to_string(i % 7), "c" + std::to_string(seq_++))));
  }
  int seq_ = 0;
};

TEST_F(runner_test, follows_the_log_and_resumes_from_its_checkpoint_equal_to_a_rebuild) {
  stream_counts p;
  append_many(1000);
  {
    projection_runner runner(*log_, p, runner_options{.batch_events = 100, .catch_up_batch_events = 100});
    runner.start();
    ASSERT_TRUE(runner.wait_for(log_->head(), std::chrono::seconds(10)));
    append_many(500);
    ASSERT_TRUE(runner.wait_for(log_->head(), std::chrono::seconds(10)));
    EXPECT_EQ(runner.checkpoint().value, 1500u);
  }
  append_many(250);  // while no runner runs
  reopen_log();
  {
    projection_runner runner(*log_, p);
    runner.start();
    ASSERT_TRUE(runner.wait_for(log_->head(), std::chrono::seconds(10)));
  }
  auto resumed = read_model(*log_, "stream_counts");
  EXPECT_EQ(resumed["s0"], "251");  // 143 + 72 + 36
  EXPECT_EQ(resumed["last"], "1750");

  stream_counts fresh("stream_counts_fresh");
  projection_runner rebuild(*log_, fresh);
  rebuild.start();
  ASSERT_TRUE(rebuild.wait_for(log_->head(), std::chrono::seconds(10)));
  EXPECT_EQ(read_model(*log_, "stream_counts_fresh"), resumed);
}

TEST_F(runner_test, live_events_from_commit_notices_and_cached_values_give_the_read_model_of_a_rebuild) {
  // Tiny limits force every path: events dropped from the notice queue (read from the log instead), gaps,
  // the value cache emptied between steps.
  stream_counts p;
  {
    projection_runner runner(
        *log_, p,
        runner_options{
            .batch_events = 16, .catch_up_batch_events = 16, .recent_events = 8, .cached_values = 3});
    runner.start();
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t)
      writers.emplace_back([&, t] {
        for (int i = 0; i < 300; ++i)
          ASSERT_TRUE(
              log_->append(make_append("s" + std::to_string(i % 5), "w" + std::to_string(t * 1000 + i))));
      });
    for (auto& w : writers) w.join();
    ASSERT_TRUE(runner.wait_for(log_->head(), std::chrono::seconds(10)));
    ASSERT_OK(runner.rebuild());
    append_many(50);
    ASSERT_TRUE(runner.wait_for(log_->head(), std::chrono::seconds(10)));
    ASSERT_TRUE(rebuilt(runner));
    ASSERT_EQ(runner.serving_name(), "stream_counts.g2");
  }
  auto live = read_model(*log_, "stream_counts.g2");
  EXPECT_EQ(live["last"], "1250");
  stream_counts fresh("stream_counts_fresh");
  projection_runner rebuild(*log_, fresh);
  rebuild.start();
  ASSERT_TRUE(rebuild.wait_for(log_->head(), std::chrono::seconds(10)));
  EXPECT_EQ(read_model(*log_, "stream_counts_fresh"), live);
}

TEST_F(runner_test, a_waiter_ends_the_gathering_of_a_burst_at_once) {
  // With an hour to gather, only a waiter can make the runner commit before the deadlines below.
  stream_counts p;
  projection_runner runner(*log_, p, runner_options{.gather_delay = std::chrono::hours(1)});
  runner.start();
  append_many(3);
  EXPECT_TRUE(runner.wait_for(log_->head(), std::chrono::seconds(5)));
  append_many(3);
  std::promise<bool> reached;
  runner.when_applied(log_->head(), std::chrono::seconds(5), [&](bool r) { reached.set_value(r); });
  EXPECT_TRUE(reached.get_future().get());
  EXPECT_EQ(read_model(*log_, "stream_counts")["last"], "6");
}

// stream_counts whose events wait while the gate is shut: holds the projection behind the log, or a rebuild
// in the middle.
class gated final : public projection {
 public:
  std::string name() const override { return inner_.name(); }
  result<void> apply(const storage::record_view& e, projection_context& ctx) override {
    std::unique_lock lk(mu_);
    opened_.wait(lk, [&] { return open_; });
    return inner_.apply(e, ctx);
  }
  void shut() {
    std::lock_guard lk(mu_);
    open_ = false;
  }
  void open() {
    {
      std::lock_guard lk(mu_);
      open_ = true;
    }
    opened_.notify_all();
  }

 private:
  stream_counts inner_;
  std::mutex mu_;
  std::condition_variable opened_;
  bool open_ = true;
};

TEST_F(runner_test, a_rebuild_builds_beside_the_serving_model_and_swaps_once_it_caught_up) {
  gated p;
  auto runner = std::make_unique<projection_runner>(
      *log_, p, runner_options{.batch_events = 50, .catch_up_batch_events = 50});
  runner->start();
  append_many(700);
  ASSERT_TRUE(runner->wait_for(log_->head(), std::chrono::seconds(10)));
  const auto before = read_model(*log_, "stream_counts");
  p.shut();  // the rebuild's first step waits at its first event
  ASSERT_OK(runner->rebuild());
  EXPECT_TRUE(runner->rebuilding().running);
  EXPECT_EQ(runner->rebuilding().into, "stream_counts.g2");
  // The old generation serves, whole, while the new one is built: appends go on meanwhile.
  EXPECT_EQ(runner->serving_name(), "stream_counts");
  EXPECT_EQ(read_model(*log_, "stream_counts"), before);
  p.open();
  append_many(300);
  ASSERT_TRUE(runner->wait_for(log_->head(), std::chrono::seconds(10)));
  ASSERT_TRUE(rebuilt(*runner));
  ASSERT_TRUE(runner->wait_for(log_->head(), std::chrono::seconds(10)));
  EXPECT_EQ(runner->serving_name(), "stream_counts.g2");
  const auto after = read_model(*log_, "stream_counts.g2");
  EXPECT_EQ(after.at("last"), "1000");
  stream_counts fresh("stream_counts_fresh");
  projection_runner straight(*log_, fresh);
  straight.start();
  ASSERT_TRUE(straight.wait_for(log_->head(), std::chrono::seconds(10)));
  EXPECT_EQ(read_model(*log_, "stream_counts_fresh"), after) << "equal to a model built in one go";
  EXPECT_FALSE(read_model(*log_, "stream_counts").empty()) << "readers of the old name finish first (30 s)";
  EXPECT_NE(before, after);
  // A restart erases the retired generation and serves the new one.
  runner.reset();
  stream_counts plain;
  projection_runner again(*log_, plain);
  again.start();
  EXPECT_EQ(again.serving_name(), "stream_counts.g2");
  EXPECT_EQ(projection_runner::stored_serving_name(*log_, "stream_counts").value(), "stream_counts.g2");
  EXPECT_TRUE(read_model(*log_, "stream_counts").empty());
  EXPECT_EQ(log_->projection_checkpoint("stream_counts").value().value, 0u);
}

TEST_F(runner_test, erase_all_removes_every_generation_of_a_replaced_read_model) {
  append_many(100);
  stream_counts p;
  {
    projection_runner runner(*log_, p);
    runner.start();
    ASSERT_TRUE(runner.wait_for(log_->head(), std::chrono::seconds(10)));
    ASSERT_OK(runner.rebuild());
    ASSERT_TRUE(rebuilt(runner));
  }
  ASSERT_FALSE(read_model(*log_, "stream_counts").empty()) << "retired, not erased yet";
  ASSERT_FALSE(read_model(*log_, "stream_counts.g2").empty());
  ASSERT_OK(projection_runner::erase_all(*log_, "stream_counts"));
  EXPECT_TRUE(read_model(*log_, "stream_counts").empty());
  EXPECT_TRUE(read_model(*log_, "stream_counts.g2").empty());
  EXPECT_EQ(log_->projection_checkpoint("stream_counts.g2").value().value, 0u);
  EXPECT_EQ(projection_runner::stored_serving_name(*log_, "stream_counts").value(), "stream_counts");
  ASSERT_OK(projection_runner::erase_all(*log_, "stream_counts"));  // nothing left: a no-op
}

TEST_F(runner_test, a_rebuild_stopped_in_the_middle_resumes_from_its_checkpoint_after_a_restart) {
  append_many(3000);
  stream_counts p;
  {
    projection_runner runner(*log_, p, runner_options{.batch_events = 20, .catch_up_batch_events = 20});
    runner.start();
    ASSERT_TRUE(runner.wait_for(log_->head(), std::chrono::seconds(20)));
    ASSERT_OK(runner.rebuild());
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (runner.rebuilding().position < 200 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    runner.stop();
  }
  const auto stopped_at = log_->projection_checkpoint("stream_counts.g2").value().value;
  ASSERT_GE(stopped_at, 200u);
  ASSERT_LT(stopped_at, 3000u) << "stopped in the middle";
  reopen_log();
  projection_runner runner(*log_, p, runner_options{.batch_events = 20, .catch_up_batch_events = 20});
  runner.start();
  const auto resumed = runner.rebuilding();
  EXPECT_TRUE(resumed.running);
  EXPECT_GE(resumed.position, stopped_at) << "goes on from its checkpoint, not from position 1";
  EXPECT_EQ(runner.serving_name(), "stream_counts") << "the old generation serves until the new caught up";
  ASSERT_TRUE(rebuilt(runner));
  EXPECT_EQ(runner.serving_name(), "stream_counts.g2");
  stream_counts fresh("stream_counts_fresh");
  projection_runner straight(*log_, fresh);
  straight.start();
  ASSERT_TRUE(straight.wait_for(log_->head(), std::chrono::seconds(20)));
  EXPECT_EQ(read_model(*log_, "stream_counts_fresh"), read_model(*log_, "stream_counts.g2"));
}

class failing final : public projection {
 public:
  std::string name() const override { return "failing"; }
  result<void> apply(const storage::record_view& e, projection_context& ctx) override {
    if (e.position == 5) {
      // Half of its changes written before it fails: none of them may reach the read model.
      ctx.put("half", "written");
      return make_error(errc::undecodable_event, "position 5 is bad");
    }
    ctx.put("last", std::to_string(e.position));
    return success();
  }
};

TEST_F(runner_test, a_failing_event_in_the_middle_of_a_step_leaves_the_events_before_it_applied) {
  append_many(10);  // before start: one step would take all ten
  failing p;
  projection_runner runner(*log_, p, runner_options{.batch_events = 10, .catch_up_batch_events = 10});
  runner.start();
  ASSERT_TRUE(runner.wait_for({4}, std::chrono::seconds(10)));
  EXPECT_FALSE(runner.wait_for({5}, std::chrono::milliseconds(100)));
  runner.stop();
  auto model = read_model(*log_, "failing");
  EXPECT_EQ(model["last"], "4");
  EXPECT_EQ(model.count("half"), 0u);
  ASSERT_TRUE(runner.failure().has_value());
  EXPECT_EQ(runner.checkpoint().value, 4u);
}

// Sums positions in memory across a step and writes the sum once, at the step's end; fails at position 5.
class step_sum final : public projection {
 public:
  std::string name() const override { return "step_sum"; }
  void begin_step(projection_context&) override {
    sum_.reset();
    ++steps_;
  }
  result<void> apply(const storage::record_view& e, projection_context& ctx) override {
    if (!sum_) {
      auto stored = ctx.get("sum");
      if (!stored) return stored.error();
      sum_ = stored.value() ? std::stoull(*stored.value()) : 0;
    }
    if (e.position == 5) return make_error(errc::undecodable_event, "position 5 is bad");
    *sum_ += e.position;
    return success();
  }
  result<void> end_step(projection_context& ctx) override {
    if (sum_) ctx.put("sum", std::to_string(*sum_));
    ++ends_;
    return success();
  }
  int steps_ = 0, ends_ = 0;

 private:
  std::optional<std::uint64_t> sum_;
};

TEST_F(runner_test, what_a_step_keeps_in_memory_is_written_once_at_its_end_and_begun_afresh_after_a_failure) {
  append_many(10);
  step_sum p;
  projection_runner runner(*log_, p, runner_options{.batch_events = 3, .catch_up_batch_events = 3});
  runner.start();
  ASSERT_TRUE(runner.wait_for({3}, std::chrono::seconds(10)));
  EXPECT_FALSE(runner.wait_for({5}, std::chrono::milliseconds(100)));
  runner.stop();
  // Steps [1..3], then [4..6] fails at 5 and is begun again as [4..4]: 1+2+3+4, never 4 counted twice.
  EXPECT_EQ(read_model(*log_, "step_sum")["sum"], "10");
  EXPECT_EQ(runner.checkpoint().value, 4u);
  EXPECT_EQ(p.steps_, 3);
  EXPECT_EQ(p.ends_, 2) << "the failed step is not ended";
}

TEST_F(runner_test, a_failing_projection_stops_before_the_bad_event_and_says_why) {
  failing p;
  projection_runner runner(*log_, p, runner_options{.batch_events = 2, .catch_up_batch_events = 2});
  runner.start();
  append_many(10);
  ASSERT_TRUE(runner.wait_for({4}, std::chrono::seconds(10)));
  EXPECT_FALSE(runner.wait_for({5}, std::chrono::milliseconds(100)));
  auto f = runner.failure();
  ASSERT_TRUE(f.has_value());
  EXPECT_NE(f->message.find("position 5"), std::string::npos);
}

}  // namespace
}  // namespace thidua::engine

namespace thidua::engine {
namespace {

TEST_F(runner_test, when_applied_answers_once_reached_or_when_its_deadline_passes_and_never_twice) {
  gated p;
  p.shut();
  projection_runner runner(*log_, p);
  runner.start();
  std::atomic<int> reached{0}, expired{0};
  auto count = [&](bool ok) { ++(ok ? reached : expired); };
  runner.when_applied({0}, std::chrono::milliseconds(10), count);
  EXPECT_EQ(reached.load(), 1) << "an empty log has applied position 0: answered at once";
  append_many(3);
  runner.when_applied({3}, std::chrono::milliseconds(50), count);  // held behind the gate: expires
  runner.when_applied({3}, std::chrono::seconds(30), count);       // waits until released
  for (int i = 0; i < 2000 && expired.load() == 0; ++i)            // up to 10 s: a slow machine
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(expired.load(), 1) << "the 50 ms wait timed out while the projection was held";
  EXPECT_EQ(reached.load(), 1);
  p.open();
  ASSERT_TRUE(runner.wait_for({3}, std::chrono::seconds(10)));
  for (int i = 0; i < 2000 && reached.load() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(reached.load(), 2);
  runner.when_applied({100}, std::chrono::seconds(30), count);
  runner.stop();
  EXPECT_EQ(expired.load(), 2) << "a waiter still waiting when the runner stops hears false";
  runner.when_applied({100}, std::chrono::seconds(30), count);
  EXPECT_EQ(expired.load(), 3) << "a stopped runner answers at once";
  EXPECT_EQ(reached.load(), 2);
}

}  // namespace
}  // namespace thidua::engine
