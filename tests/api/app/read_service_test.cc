// The read side called as the CLI and tests call it: no socket, application types and api::errc back.

#include "api/app/read_service.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <future>

#include "api/app/errc.h"
#include "api/app/token_registry.h"
#include "engine/command_pipeline.h"
#include "tests/api/app/token_commands.h"
#include "tests/storage/log_fixture.h"
#include "tests/support/test_support.h"

namespace thidua::api {
namespace {

class read_service_test : public testing::log_fixture {
 protected:
  void SetUp() override {
    log_fixture::SetUp();
    tokens_ = std::make_unique<engine::command_pipeline<token_decider>>(*log_);
    grant_.set_unit_id("CA-LaiChau");
    grant_.set_role("OBSERVER");
  }

  // Appends one event (a token issued): something for the read models to apply.
  void append_something(const std::string& id) {
    ASSERT_OK(tokens_->execute(
        {"issue-" + id, {"ops"}, testing::issue_token(id, id), 0, std::nullopt, {}, {}, {}}));
  }

  std::shared_ptr<const pb::TokenGrant> grant() const { return std::make_shared<pb::TokenGrant>(grant_); }

  std::unique_ptr<engine::command_pipeline<token_decider>> tokens_;
  pb::TokenGrant grant_;
};

std::string thread_name() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

TEST_F(read_service_test, a_query_that_waits_for_its_position_runs_off_the_projection_threads) {
  read_service reads(*log_);
  ASSERT_OK(reads.start());
  pb::Query q;
  q.set_at_least_position(log_->head().value + 1);  // not written yet: the query has to wait
  q.mutable_list_units();
  std::promise<std::pair<std::string, bool>> answered;
  reads.query_when_applied(grant(), q, [&](result<pb::QueryResult> r) {
    answered.set_value({thread_name(), r.has_value()});
  });
  append_something("tk-1");
  auto f = answered.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const auto [thread, ok] = f.get();
  EXPECT_TRUE(ok);
  // The projection's threads are "projection" and "projection-wait": a query there holds up applying events.
  EXPECT_EQ(thread, "read-wait");
  reads.stop();
}

TEST_F(read_service_test, chain_checks_run_on_their_own_thread_and_past_the_limit_are_refused) {
  append_something("tk-1");
  auto answer = [&](read_service& reads, pb::Query q) {
    std::promise<std::pair<std::string, result<pb::QueryResult>>> answered;
    reads.query_when_applied(grant(), q, [&](result<pb::QueryResult> r) {
      answered.set_value({thread_name(), std::move(r)});
    });
    auto f = answered.get_future();
    EXPECT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return f.get();
  };
  pb::Query verify;
  verify.mutable_verify_log();
  {
    read_service reads(*log_);
    ASSERT_OK(reads.start());
    auto [thread, r] = answer(reads, verify);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r.value().verification().ok());
    EXPECT_EQ(thread, "chain-check") << "a walk over the log never runs on the caller's (network) thread";
    pb::Query receipt;
    receipt.mutable_issue_receipt();
    auto [_, unsigned_] = answer(reads, receipt);
    ASSERT_FALSE(unsigned_);
    EXPECT_EQ(unsigned_.error().code, errc::unavailable) << "this service was given no key";
    reads.stop();
  }
  read_options none_waiting;
  none_waiting.max_pending_chain_checks = 0;
  read_service reads(*log_, none_waiting);
  ASSERT_OK(reads.start());
  auto [thread, r] = answer(reads, verify);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unavailable);
  ASSERT_TRUE(message_vi_of(r.error()));
  reads.stop();
}

TEST_F(read_service_test, a_position_that_never_comes_is_read_model_behind_naming_the_field) {
  read_options options;
  options.max_read_wait = std::chrono::milliseconds(50);
  read_service reads(*log_, options);
  ASSERT_OK(reads.start());
  pb::Query q;
  q.set_at_least_position(log_->head().value + 100);
  q.mutable_list_units();
  std::promise<result<pb::QueryResult>> answered;
  reads.query_when_applied(grant(), q, [&](result<pb::QueryResult> r) { answered.set_value(std::move(r)); });
  auto f = answered.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto r = f.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::read_model_behind);
  EXPECT_EQ(r.error().field, "query.at_least_position");
  ASSERT_TRUE(message_vi_of(r.error()));
  reads.stop();
}

TEST_F(read_service_test, queries_answer_application_types_and_refuse_with_api_codes) {
  read_service reads(*log_);
  ASSERT_OK(reads.start());
  append_something("tk-1");

  pb::Query log_query;
  log_query.mutable_read_log()->set_from_position(1);
  ASSIGN_OR_FAIL(page, reads.query(grant_, log_query));
  EXPECT_EQ(page.head(), log_->head().value);
  EXPECT_TRUE(page.events().empty()) << "an observer reads no token events";

  auto nothing = reads.query(grant_, pb::Query{});
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().code, errc::missing_field);
  EXPECT_EQ(nothing.error().field, "query.what");

  pb::Query bad;
  bad.mutable_list_cycles()->set_organizer_id("BCA/../x");
  auto refused = reads.query(grant_, bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::invalid_field);
  EXPECT_EQ(refused.error().field, "list_cycles.organizer_id");

  pb::Subscribe sub;
  sub.set_subscription_id("has space");
  auto not_subscribed = reads.subscribe(grant_, sub, [] {});
  ASSERT_FALSE(not_subscribed);
  EXPECT_EQ(not_subscribed.error().code, errc::invalid_field);
  EXPECT_EQ(not_subscribed.error().field, "subscribe.subscription_id");
  reads.stop();
}

}  // namespace
}  // namespace thidua::api
