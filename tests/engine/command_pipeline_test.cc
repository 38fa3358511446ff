#include "engine/command_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/engine/account_pipeline_fixture.h"
#include "tests/support/test_support.h"

namespace thidua::engine {
namespace {

using thidua::testing::account;
using thidua::testing::temp_dir;
static_assert(decider<account>);

using pipeline_test = account_pipeline_test;

TEST_F(pipeline_test, decides_appends_and_folds_state) {
  ASSIGN_OR_FAIL(opened, run("c1", {account::command::open_account, "a"}));
  EXPECT_EQ(opened.version.value, 1u);
  ASSIGN_OR_FAIL(dep, run("c2", {account::command::deposit, "a", 100}));
  EXPECT_EQ(dep.version.value, 2u);
  EXPECT_EQ(dep.first.value, 2u);
  EXPECT_EQ(balance("a"), 100);
  ASSIGN_OR_FAIL(events, log_->read_stream("account-a", {1}, 10));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]->record.event_type(), "Account.Deposited");
  EXPECT_EQ(events[1]->record.actor().person(), "teller");
  EXPECT_EQ(events[1]->record.command_id(), "c2");
}

TEST_F(pipeline_test, read_sees_the_durable_state_whether_cached_or_replayed) {
  ASSERT_OK(run("c1", {account::command::open_account, "a"}));
  ASSERT_OK(run("c2", {account::command::deposit, "a", 70}));
  auto cached =
      pipeline_->read("account-a", [](const auto& e) { return std::make_pair(e.version, e.state.balance); });
  ASSERT_OK(cached);
  EXPECT_EQ(cached.value(), std::make_pair(std::uint64_t{2}, std::int64_t{70}));
  // A fresh pipeline has nothing cached: read replays the stream from the log.
  command_pipeline<account> fresh(*log_);
  auto replayed = fresh.read("account-a", [](const auto& e) { return e.state.balance; });
  ASSERT_OK(replayed);
  EXPECT_EQ(replayed.value(), 70);
  auto missing = fresh.read("account-nobody", [](const auto& e) { return e.version; });
  ASSERT_OK(missing);
  EXPECT_EQ(missing.value(), 0u) << "a stream with no events reads as the initial state at version 0";
}

TEST_F(pipeline_test, a_rejection_carries_the_deciders_code_field_and_both_languages_and_writes_nothing) {
  ASSERT_OK(run("c1", {account::command::open_account, "a"}));
  auto r = run("c2", {account::command::withdraw, "a", 5});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::rejected);
  EXPECT_EQ(r.error().field, "amount");
  ASSERT_NE(engine::rejection_of(r.error()), nullptr);
  EXPECT_EQ(engine::rejection_of(r.error())->code, "INSUFFICIENT_FUNDS");
  EXPECT_EQ(engine::rejection_of(r.error())->message_vi, "số dư không đủ");
  EXPECT_EQ(log_->head().value, 1u);
  auto again = run("c1", {account::command::open_account, "a"});
  ASSERT_TRUE(again) << "a repeated command id returns the first result, even if it would now be refused";
  EXPECT_TRUE(again.value().duplicate);
  EXPECT_EQ(log_->head().value, 1u);
}

TEST_F(pipeline_test, expected_version_from_the_client_is_checked) {
  ASSERT_OK(run("c1", {account::command::open_account, "a"}));
  command_envelope<account> env;
  env.command_id = "c2";
  env.command = {account::command::deposit, "a", 1};
  env.expected_version = 0;
  auto r = pipeline_->execute(env);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, storage::errc::wrong_expected_version);
  EXPECT_EQ(r.error().actual_version, 1u);
  env.expected_version = 1;
  ASSERT_OK(pipeline_->execute(env));
}

TEST_F(pipeline_test, concurrent_commands_on_one_stream_retry_and_none_is_lost) {
  open_log(pipeline_options{.cache_streams = 2, .max_conflict_retries = 100});
  ASSERT_OK(run("open", {account::command::open_account, "shared"}));
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto r = run("dep-" + std::to_string(t) + "-" + std::to_string(i),
                     {account::command::deposit, "shared", 1});
        if (!r) {
          ++failures;
          ADD_FAILURE() << r.error().message;
        }
        // Other streams push the shared one out of the tiny cache now and then.
        if (i % 10 == 0)
          (void)run("o-" + std::to_string(t) + "-" + std::to_string(i),
                    {account::command::open_account, std::to_string(t * 100 + i)});
      }
    });
  for (auto& th : pool) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(balance("shared"), 400);
  open_log();
  EXPECT_EQ(balance("shared"), 400) << "a fresh replay agrees with the cached state";
}

TEST_F(pipeline_test, a_second_writer_on_the_same_log_causes_conflicts_that_are_retried_and_bounded) {
  // Two pipelines over one log behave like two processes: only the version check keeps them honest.
  open_log(pipeline_options{.max_conflict_retries = 0});
  command_pipeline<account> other(*log_, pipeline_options{.max_conflict_retries = 0});
  ASSERT_OK(run("open", {account::command::open_account, "s"}));
  std::atomic<int> exhausted{0}, ok{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        command_envelope<account> env;
        env.command_id = "d-" + std::to_string(t) + "-" + std::to_string(i);
        env.command = {account::command::deposit, "s", 1};
        auto r = (t % 2 ? other : *pipeline_).execute(env);
        if (r) {
          ++ok;
        } else if (r.error().code == errc::conflict_retries_exhausted) {
          ++exhausted;
        }
      }
    });
  for (auto& th : pool) th.join();
  EXPECT_EQ(ok + exhausted, 240);
  EXPECT_GT(exhausted.load(), 0) << "with no retries allowed, some commands lose the race";
  open_log();
  EXPECT_EQ(balance("s"), ok.load()) << "every acknowledged deposit is in the log, and nothing else";
}

TEST_F(pipeline_test, two_writers_with_retries_lose_nothing) {
  open_log(pipeline_options{.max_conflict_retries = 1000});
  command_pipeline<account> second(*log_, pipeline_options{.max_conflict_retries = 1000});
  ASSERT_OK(run("open", {account::command::open_account, "s"}));
  std::vector<std::thread> pool;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        command_envelope<account> env;
        env.command_id = "d-" + std::to_string(t) + "-" + std::to_string(i);
        env.command = {account::command::deposit, "s", 1};
        if (!(t % 2 ? second : *pipeline_).execute(env)) ++failures;
      }
    });
  for (auto& th : pool) th.join();
  EXPECT_EQ(failures.load(), 0);
  open_log();
  EXPECT_EQ(balance("s"), 160);
}

}  // namespace
}  // namespace thidua::engine
