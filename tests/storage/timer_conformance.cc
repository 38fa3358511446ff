// What every backend of storage::event_log must do with durable timers (storage/event_log.h): they are
// written with the append that sets them, or not at all; they come back in due order, across a reopen; a
// cancel removes exactly the timer it names. Part of the conformance suite (tests/storage/log_conformance.h).

#include <algorithm>

#include "tests/storage/log_conformance.h"
#include "tests/storage/log_test_util.h"

namespace thidua::storage {
namespace {

using thidua::testing::make_append;

timer_entry timer(std::string id, std::int64_t due, std::string payload = "fire") {
  return {"", std::move(id), due, std::move(payload)};
}

std::vector<std::string> names(const std::vector<timer_entry>& timers) {
  std::vector<std::string> out;
  for (const auto& t : timers) out.push_back(t.stream_id + "/" + t.id + "@" + std::to_string(t.due_ms));
  return out;
}

std::vector<timer_entry> all_due(event_log& log) {
  auto r = log.due_timers(std::numeric_limits<std::int64_t>::max(), 1000);
  EXPECT_TRUE(r) << r.error().message;
  return r ? r.value() : std::vector<timer_entry>{};
}

TEST_P(log_conformance, timers_set_with_an_append_come_back_in_due_order_after_a_reopen) {
  auto a = make_append("s-a", "c1");
  a.timers_set = {timer("late", 3000, "payload-late"), timer("early", 1000)};
  ASSERT_TRUE(log_->append(std::move(a)));
  auto b = make_append("s-b", "c2");
  b.timers_set = {timer("middle", 2000)};
  ASSERT_TRUE(log_->append(std::move(b)));

  reopen();
  EXPECT_EQ(names(all_due(*log_)),
            (std::vector<std::string>{"s-a/early@1000", "s-b/middle@2000", "s-a/late@3000"}));
  auto due = log_->due_timers(2000, 10);
  ASSERT_TRUE(due);
  EXPECT_EQ(names(due.value()), (std::vector<std::string>{"s-a/early@1000", "s-b/middle@2000"}));
  EXPECT_EQ(all_due(*log_).back().payload, "payload-late");
  auto limited = log_->due_timers(5000, 1);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited.value().size(), 1u);
  auto next = log_->next_timer_due();
  ASSERT_TRUE(next);
  EXPECT_EQ(next.value(), std::optional<std::int64_t>(1000));
}

TEST_P(log_conformance, a_cancel_removes_the_timer_it_names_and_a_move_is_a_cancel_and_a_set) {
  auto a = make_append("s", "c1");
  a.timers_set = {timer("remind", 1000), timer("overdue", 5000)};
  ASSERT_TRUE(log_->append(std::move(a)));
  auto move = make_append("s", "c2");
  move.timers_cancelled = {timer("remind", 1000)};
  move.timers_set = {timer("remind", 4000)};
  ASSERT_TRUE(log_->append(std::move(move)));
  // A cancel under another due time names another timer: nothing is removed.
  auto wrong = make_append("s", "c3");
  wrong.timers_cancelled = {timer("overdue", 4999)};
  ASSERT_TRUE(log_->append(std::move(wrong)));
  EXPECT_EQ(names(all_due(*log_)), (std::vector<std::string>{"s/remind@4000", "s/overdue@5000"}));

  EXPECT_TRUE(log_->has_timer({"s", "remind", 4000, ""}).value());
  EXPECT_FALSE(log_->has_timer({"s", "remind", 1000, ""}).value());
  ASSERT_TRUE(log_->remove_timer({"s", "remind", 4000, ""}));
  ASSERT_TRUE(log_->remove_timer({"s", "remind", 4000, ""}));  // already gone: fine
  EXPECT_FALSE(log_->has_timer({"s", "remind", 4000, ""}).value());
  EXPECT_EQ(names(all_due(*log_)), (std::vector<std::string>{"s/overdue@5000"}));
}

TEST_P(log_conformance, an_append_that_writes_nothing_sets_and_cancels_no_timer) {
  auto a = make_append("s", "c1");
  a.timers_set = {timer("kept", 1000)};
  ASSERT_TRUE(log_->append(std::move(a)));

  auto repeat = make_append("s", "c1");  // a repeat of c1: answered with c1's result, writes nothing
  repeat.timers_set = {timer("from-repeat", 10)};
  repeat.timers_cancelled = {timer("kept", 1000)};
  auto r = log_->append(std::move(repeat));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.value().duplicate);

  auto stale = make_append("s", "c2", 1, expected_version::exact({7}));  // refused: the stream is at 1
  stale.timers_set = {timer("from-refusal", 20)};
  EXPECT_FALSE(log_->append(std::move(stale)));

  EXPECT_EQ(names(all_due(*log_)), (std::vector<std::string>{"s/kept@1000"}));
}

TEST_P(log_conformance, bad_timers_are_refused_naming_the_field) {
  const auto refused = [&](timer_entry t, bool cancel, std::string_view field) {
    auto a = make_append("s", "bad-" + std::string(field));
    (cancel ? a.timers_cancelled : a.timers_set).push_back(std::move(t));
    auto r = log_->append(std::move(a));
    ASSERT_FALSE(r) << field;
    EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
  };
  refused(timer("", 1), false, "timers_set[0].id");
  refused(timer("has space", 1), false, "timers_set[0].id");
  refused(timer("x", -1), true, "timers_cancelled[0].due_ms");
  refused({"other-stream", "x", 1, ""}, false, "timers_set[0].stream_id");
  refused(timer("x", 1, std::string(log_->options().max_event_bytes + 1, 'p')), false,
          "timers_set[0].payload");
  EXPECT_EQ(log_->head().value, 0u);
  EXPECT_TRUE(all_due(*log_).empty());
}

}  // namespace
}  // namespace thidua::storage
