// The read side called as the CLI and tests call it: no socket, application types and api::errc back.

#include "api/app/read_service.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <algorithm>
#include <future>

#include "api/app/errc.h"
#include "api/app/token_registry.h"
#include "api/app/vietnam_time.h"
#include "domain/registry_decider.h"
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
        {"issue-" + id, {"ops", nullptr}, testing::issue_token(id, id), 0, std::nullopt, {}, {}, {}}));
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

TEST_F(read_service_test, an_audit_page_scans_a_bounded_number_of_records_and_says_where_to_go_on) {
  // 30 units registered: registry events, which every role reads.
  engine::command_pipeline<domain::registry_decider> registry(*log_);
  domain::pb::Actor office;
  office.set_unit_id("BCA-X03");
  office.set_role(domain::pb::ORGANIZER_OFFICE);
  office.set_organizer_id("BCA");
  for (int i = 0; i < 30; ++i) {
    domain::pb::RegistryCommand c;
    c.mutable_register_unit()->set_unit_id("CA-" + std::to_string(i));
    c.mutable_register_unit()->set_name("Công an tỉnh số " + std::to_string(i));
    c.mutable_register_unit()->set_kind(domain::pb::PROVINCIAL_POLICE);
    ASSERT_OK(registry.execute({"reg-" + std::to_string(i), office, c, 0, std::nullopt, {}, {}, {}}));
    append_something("tk-" + std::to_string(i));  // a token event between each: never readable here
  }
  read_options small;
  small.max_audit_scan = 7;
  read_service reads(*log_, small);
  ASSERT_OK(reads.start());
  auto walk = [&](const std::string& type, bool backward) {
    std::vector<std::uint64_t> seen;
    std::uint64_t from = 0;
    int pages = 0;
    for (; pages < 100; ++pages) {
      pb::Query q;
      q.mutable_audit()->add_event_types(type);
      q.mutable_audit()->set_from_position(from);
      q.mutable_audit()->set_backward(backward);
      auto page = reads.query(grant_, q);
      EXPECT_TRUE(page);
      if (!page) break;
      EXPECT_LE(page.value().audit_size(), 7);
      for (const auto& e : page.value().audit()) seen.push_back(e.event().position());
      if (page.value().next_position() == 0) break;
      from = page.value().next_position();
    }
    return std::make_pair(seen, pages + 1);
  };
  const auto [forward, forward_pages] = walk("UnitRegistered", false);
  EXPECT_EQ(forward.size(), 30u);
  EXPECT_GE(forward_pages, 8) << "60 records, 7 a page at most";
  EXPECT_TRUE(std::is_sorted(forward.begin(), forward.end()));
  const auto [backward, backward_pages] = walk("UnitRegistered", true);
  EXPECT_EQ(std::vector<std::uint64_t>(backward.rbegin(), backward.rend()), forward);
  const auto [none, none_pages] = walk("UnitRenamed", false);
  EXPECT_TRUE(none.empty());
  EXPECT_GE(none_pages, 8) << "empty pages still move on: the client reaches the end";
  reads.stop();
}

TEST(vietnam_dates, a_day_as_people_write_it_starts_at_midnight_in_vietnam) {
  // 30/6/2024 00:00 in Hà Nội = 29/6/2024 17:00 UTC.
  EXPECT_EQ(vietnam_day_start_ms("2024-06-30"), 1'719'680'400'000);
  EXPECT_EQ(vietnam_day_start_ms("30/6/2024"), 1'719'680'400'000);
  EXPECT_EQ(vietnam_day_start_ms("30/06/2024"), 1'719'680'400'000);
  EXPECT_EQ(vietnam_day_start_ms("29/2/2024"), vietnam_day_start_ms("2024-02-29"));
  for (const char* bad : {"", "2024-6-30", "31/2/2024", "29/2/2023", "2024-13-01", "30-6-2024", "30/6/24",
                          "1/1/1969", "x/6/2024", "30/6/2024 ", "2024/06/30"})
    EXPECT_FALSE(vietnam_day_start_ms(bad)) << bad;
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
