// Who a command id belongs to, and how the commands of one busy stream are scheduled: scoped ids, repeats
// with other contents refused, many commands per WAL sync, a failed append taking only itself down, bounded
// and fair waiting.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "engine/command_id.h"
#include "engine/command_pipeline.h"
#include "tests/engine/account_pipeline_fixture.h"
#include "tests/storage/log_test_util.h"
#include "tests/support/test_support.h"

namespace thidua::engine {
namespace {

using thidua::testing::account;
using thidua::testing::temp_dir;

class scheduling_test : public account_pipeline_test {
 protected:
  // Every result, once all have come: a test that stops early must not leave commands running.
  static std::vector<result<command_result>> wait_all(
      std::vector<std::future<result<command_result>>>& futures) {
    std::vector<result<command_result>> out;
    for (auto& f : futures) out.push_back(f.get());
    return out;
  }
};

TEST(command_id, a_scope_prefixes_the_id_and_the_clients_part_comes_back_out) {
  EXPECT_EQ(scoped_command_id("a:0123456789abcdef", "hoi-thao/2024"), "a:0123456789abcdef/hoi-thao/2024");
  EXPECT_EQ(client_command_id("a:0123456789abcdef/hoi-thao/2024"), "hoi-thao/2024");
  EXPECT_EQ(scoped_command_id("", "plain"), "plain");
  EXPECT_EQ(client_command_id("plain"), "plain");
  EXPECT_EQ(client_command_id("Not-A-Scope/x"), "Not-A-Scope/x") << "a scope is lowercase";
  EXPECT_FALSE(valid_scope(""));
  EXPECT_FALSE(valid_scope("a/b"));
  EXPECT_FALSE(valid_scope("9a"));
  EXPECT_TRUE(valid_scope("cli"));
}

TEST_F(scheduling_test, the_same_id_from_two_scopes_is_two_commands) {
  ASSERT_OK(pipeline_->execute(envelope("alice", "open", {account::command::open_account, "a"})));
  ASSIGN_OR_FAIL(first, pipeline_->execute(envelope("alice", "dep-1", {account::command::deposit, "a", 10})));
  ASSIGN_OR_FAIL(other, pipeline_->execute(envelope("bob", "dep-1", {account::command::deposit, "a", 10})));
  EXPECT_FALSE(other.duplicate) << "bob's command is not answered with alice's result";
  EXPECT_NE(other.last, first.last);
  EXPECT_EQ(balance("a"), 20);
  ASSIGN_OR_FAIL(events, log_->read_stream("account-a", {2}, 10));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]->record.command_id(), "alice/dep-1");
  EXPECT_EQ(client_command_id(events[1]->record.command_id()), "dep-1");
}

TEST_F(scheduling_test,
       a_repeat_with_other_contents_is_refused_and_a_true_repeat_answered_also_after_reopen) {
  ASSERT_OK(pipeline_->execute(envelope("alice", "open", {account::command::open_account, "a"})));
  ASSIGN_OR_FAIL(first, pipeline_->execute(envelope("alice", "d", {account::command::deposit, "a", 10})));
  auto changed = pipeline_->execute(envelope("alice", "d", {account::command::deposit, "a", 99}));
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code, storage::errc::command_id_reused);
  open_log();
  ASSIGN_OR_FAIL(again, pipeline_->execute(envelope("alice", "d", {account::command::deposit, "a", 10})));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.last, first.last);
  auto changed_later = pipeline_->execute(envelope("alice", "d", {account::command::withdraw, "a", 10}));
  ASSERT_FALSE(changed_later);
  EXPECT_EQ(changed_later.error().code, storage::errc::command_id_reused);
  EXPECT_EQ(balance("a"), 10);
}

TEST_F(scheduling_test, a_repeat_sent_while_the_first_is_on_its_way_gets_its_result) {
  ASSERT_OK(pipeline_->execute(envelope("alice", "open", {account::command::open_account, "a"})));
  auto first = submit(envelope("alice", "d", {account::command::deposit, "a", 10}));
  auto second = submit(envelope("alice", "d", {account::command::deposit, "a", 10}));
  auto other = submit(envelope("alice", "d", {account::command::deposit, "a", 11}));
  ASSIGN_OR_FAIL(a, first.get());
  ASSIGN_OR_FAIL(b, second.get());
  EXPECT_EQ(a.last, b.last);
  EXPECT_FALSE(a.duplicate);
  EXPECT_TRUE(b.duplicate);
  auto c = other.get();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, storage::errc::command_id_reused);
  EXPECT_EQ(balance("a"), 10);
}

TEST_F(scheduling_test, a_busy_stream_takes_many_commands_per_wal_sync) {
  ASSERT_OK(pipeline_->execute(envelope("s", "open", {account::command::open_account, "hot"})));
  const auto syncs_before = log_->stats().syncs;
  std::vector<std::future<result<command_result>>> futures;
  for (int i = 0; i < 400; ++i)
    futures.push_back(submit(envelope("s" + std::to_string(i % 4), "d" + std::to_string(i),
                                      {account::command::deposit, "hot", 1})));
  for (auto& r : wait_all(futures)) ASSERT_OK(r);
  const auto syncs = log_->stats().syncs - syncs_before;
  // One command per sync would be 400 syncs: each is decided on the state the one before it will leave.
  EXPECT_LT(syncs, 100u) << "syncs: " << syncs;
  EXPECT_EQ(balance("hot"), 400);
}

TEST_F(scheduling_test, an_append_the_log_refuses_takes_down_only_itself_the_later_ones_are_decided_again) {
  ASSERT_OK(pipeline_->execute(envelope("s", "open", {account::command::open_account, "a"})));
  std::vector<std::future<result<command_result>>> futures;
  for (int i = 0; i < 20; ++i) {
    // The fifth has an id the log refuses (a space): it is decided, appended on the chain, and refused there.
    const std::string id = i == 4 ? "bad id" : "d" + std::to_string(i);
    futures.push_back(submit(envelope("s", id, {account::command::deposit, "a", 1})));
  }
  auto results = wait_all(futures);
  int ok = 0;
  for (int i = 0; i < 20; ++i) {
    auto& r = results[i];
    if (i == 4) {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, storage::errc::invalid_command_id);
    } else {
      ASSERT_TRUE(r) << i << ": " << r.error().message;
      ++ok;
    }
  }
  EXPECT_EQ(balance("a"), ok);
  open_log();
  EXPECT_EQ(balance("a"), 19) << "the replayed state agrees: nothing was written on a state that never was";
}

TEST_F(scheduling_test, past_its_room_a_stream_answers_busy_and_loses_nothing_it_accepted) {
  open_log(pipeline_options{.max_pending_per_stream = 4, .max_in_flight_per_stream = 1});
  ASSERT_OK(pipeline_->execute(envelope("s", "open", {account::command::open_account, "a"})));
  std::vector<std::future<result<command_result>>> futures;
  for (int i = 0; i < 40; ++i)
    futures.push_back(submit(envelope("s", "d" + std::to_string(i), {account::command::deposit, "a", 1})));
  int ok = 0, busy = 0;
  for (auto& r : wait_all(futures)) {
    if (r) {
      ++ok;
    } else {
      EXPECT_EQ(r.error().code, errc::busy) << r.error().message;
      ++busy;
    }
  }
  EXPECT_GT(busy, 0);
  EXPECT_GE(ok, 4);
  EXPECT_EQ(balance("a"), ok);
}

TEST_F(scheduling_test, one_scope_cannot_take_a_streams_whole_room_and_another_is_served_in_turn) {
  open_log(pipeline_options{
      .max_pending_per_stream = 64, .max_pending_per_scope = 32, .max_in_flight_per_stream = 1});
  ASSERT_OK(pipeline_->execute(envelope("s", "open", {account::command::open_account, "a"})));
  std::vector<std::future<result<command_result>>> flood;
  for (int i = 0; i < 48; ++i)
    flood.push_back(submit(envelope("flood", "f" + std::to_string(i), {account::command::deposit, "a", 1})));
  auto other = submit(envelope("other", "mine", {account::command::deposit, "a", 1}));
  auto flood_results = wait_all(flood);
  ASSIGN_OR_FAIL(mine, other.get());
  int busy = 0;
  std::uint64_t last_flood = 0;
  for (auto& r : flood_results) {
    if (!r) {
      EXPECT_EQ(r.error().code, errc::busy);
      ++busy;
    } else {
      last_flood = std::max(last_flood, r.value().last.value);
    }
  }
  // Past its own room (32 pending) one scope is told to wait; a few may have been answered meanwhile.
  EXPECT_GT(busy, 0);
  EXPECT_LE(busy, 48 - 32);
  // Round-robin: the other scope's one command goes at its first turn, not behind the flood's 31 waiting.
  EXPECT_LT(mine.last.value + 20, last_flood) << mine.last.value << " vs " << last_flood;
}

// An account whose deposits of 777 take half a second to decide, and say when that began.
struct slow_account : account {
  static inline std::atomic<bool> slow_decision_started{false};
  static std::variant<std::vector<event>, rejection> decide(const state& s, const command& c, const actor& a,
                                                            std::int64_t now_ms) {
    if (c.amount == 777) {
      slow_decision_started = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return account::decide(s, c, a, now_ms);
  }
};

// Deciding is application code: when an append's completion lets the stream's next command be decided, that
// runs on the pipeline's thread, and the log goes on acknowledging other appends meanwhile.
TEST(command_scheduling, deciding_the_next_command_never_holds_the_logs_thread) {
  temp_dir dir;
  auto opened = storage::event_log::open(storage::log_options{.path = dir.sub("db")});
  ASSERT_TRUE(opened);
  auto log = std::move(opened).value();
  {
    // One append in flight per stream: the second deposit is decided when the first is durable.
    command_pipeline<slow_account> pipeline(*log, pipeline_options{.max_in_flight_per_stream = 1});
    auto env = [](std::string id, account::command c) {
      command_envelope<slow_account> e;
      e.scope = "s";
      e.command_id = std::move(id);
      e.command = std::move(c);
      return e;
    };
    ASSERT_OK(pipeline.execute(env("open", {account::command::open_account, "a"})));
    slow_account::slow_decision_started = false;
    auto submit = [&](std::string id, std::int64_t amount) {
      auto p = std::make_shared<std::promise<result<command_result>>>();
      auto f = p->get_future();
      pipeline.execute_async(env(std::move(id), {account::command::deposit, "a", amount}),
                             [p](result<command_result> r) { p->set_value(std::move(r)); });
      return f;
    };
    auto first = submit("d1", 1);
    auto slow = submit("d2", 777);
    for (int i = 0; i < 10'000 && !slow_account::slow_decision_started; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(slow_account::slow_decision_started);
    const auto start = std::chrono::steady_clock::now();
    ASSERT_OK(log->append(thidua::testing::make_append("other", "other-1")));
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    EXPECT_LT(took.count(), 250) << "another stream's append waited " << took.count()
                                 << " ms for a decision of 500 ms";
    ASSERT_OK(first.get());
    ASSERT_OK(slow.get());
  }
}

}  // namespace
}  // namespace thidua::engine
