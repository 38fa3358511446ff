#include "engine/subscription_hub.h"

#include <gtest/gtest.h>

#include <any>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "tests/storage/log_fixture.h"
#include "tests/storage/log_test_util.h"
#include "tests/support/test_support.h"

namespace thidua::engine {
namespace {

using thidua::testing::make_append;
using thidua::testing::temp_dir;

// A consumer that polls until empty, then waits for on_ready, as a network session would.
class consumer {
 public:
  explicit consumer(std::chrono::microseconds per_event = {}) : per_event_(per_event) {}
  std::function<void()> ready() {
    return [this] {
      std::lock_guard lk(mu_);
      ready_ = true;
      cv_.notify_all();
    };
  }
  // Pulls until `count` events arrived or `timeout` passes without progress.
  void drain(subscription& s, std::size_t count,
             std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    while (positions.size() < count) {
      auto items = s.poll(256);
      ASSERT_TRUE(items) << items.error().message;
      max_queued = std::max(max_queued, s.queued());
      if (items.value().empty()) {
        std::unique_lock lk(mu_);
        if (!cv_.wait_for(lk, timeout, [&] { return ready_; })) {
          FAIL() << "no progress; got " << positions.size() << " of " << count;
        }
        ready_ = false;
        continue;
      }
      for (auto& it : items.value()) {
        if (!it.event) {
          ++markers;
          continue;
        }
        positions.push_back(it.event->pos().value);
        if (per_event_.count()) std::this_thread::sleep_for(per_event_);
      }
    }
  }
  std::vector<std::uint64_t> positions;
  int markers = 0;
  std::size_t max_queued = 0;

 private:
  std::chrono::microseconds per_event_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false;
};

class hub_test : public thidua::testing::log_fixture {
 protected:
  void append_many(int n, const std::string& stream = "s", int per_append = 1) {
    static std::atomic<int> seq{0};
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(log_->append(make_append(stream, "cmd-" + std::to_string(seq++), per_append)));
  }
};

void expect_consecutive(const std::vector<std::uint64_t>& p, std::uint64_t first) {
  for (std::size_t i = 0; i < p.size(); ++i) ASSERT_EQ(p[i], first + i) << "gap or duplicate at " << i;
}

TEST_F(hub_test, history_then_live_without_gap_or_duplicate_and_a_caught_up_marker) {
  subscription_hub hub(*log_);
  append_many(100);
  consumer c;
  auto sub = hub.subscribe({}, {1}, c.ready());
  c.drain(*sub, 50);
  // Live events arrive while the subscriber is still catching up.
  std::thread writer([&] { append_many(300); });
  c.drain(*sub, 400);
  writer.join();
  expect_consecutive(c.positions, 1);
  EXPECT_EQ(c.positions.size(), 400u);
  EXPECT_GE(c.markers, 1);
  EXPECT_TRUE(sub->live());
}

TEST_F(hub_test, from_now_skips_history_and_a_resumed_subscriber_misses_nothing) {
  subscription_hub hub(*log_);
  append_many(10);
  consumer now;
  auto live = hub.subscribe({}, {0}, now.ready());
  append_many(5);
  now.drain(*live, 5);
  expect_consecutive(now.positions, 11);

  // A client that saw up to 12 reconnects with position 13 and gets exactly 13.. on.
  consumer resumed;
  auto again = hub.subscribe({}, {13}, resumed.ready());
  append_many(5);
  resumed.drain(*again, 8);
  expect_consecutive(resumed.positions, 13);
}

TEST_F(hub_test, filters_by_stream_prefix_and_type) {
  subscription_hub hub(*log_);
  consumer c;
  auto sub = hub.subscribe(event_filter{.stream_prefixes = {"cycle/II/"}, .event_types = {}, .allow = {}},
                           {1}, c.ready());
  append_many(20, "cycle/5/2024");
  append_many(3, "cycle/II/2023");
  append_many(20, "cycle/5/2024");
  append_many(2, "cycle/II/2023");
  c.drain(*sub, 5);
  EXPECT_EQ(c.positions, (std::vector<std::uint64_t>{21, 22, 23, 44, 45}));
  auto none =
      hub.subscribe(event_filter{.stream_prefixes = {}, .event_types = {"Other.Type"}, .allow = {}}, {1});
  auto items = none->poll(100);
  ASSERT_TRUE(items);
  ASSERT_EQ(items.value().size(), 1u);
  EXPECT_EQ(items.value()[0].event, nullptr) << "only the caught-up marker";
}

TEST_F(hub_test, a_slow_consumer_of_a_100000_event_burst_keeps_memory_bounded_and_loses_nothing) {
  hub_options o;
  o.queue_capacity = 256;
  subscription_hub hub(*log_, o);
  consumer fast;
  consumer slow(std::chrono::microseconds(2));
  auto fast_sub = hub.subscribe({}, {0}, fast.ready());
  auto slow_sub = hub.subscribe({}, {0}, slow.ready());
  std::thread writer([&] {
    // 100,000 events in appends of 100, from 4 concurrent appenders.
    std::vector<std::thread> pool;
    for (int t = 0; t < 4; ++t)
      pool.emplace_back([&, t] {
        for (int i = 0; i < 250; ++i)
          ASSERT_TRUE(log_->append(make_append("burst-" + std::to_string(t),
                                               "b-" + std::to_string(t) + "-" + std::to_string(i), 100)));
      });
    for (auto& th : pool) th.join();
  });
  std::thread fast_reader([&] { fast.drain(*fast_sub, 100'000); });
  slow.drain(*slow_sub, 100'000);
  fast_reader.join();
  writer.join();
  expect_consecutive(slow.positions, 1);
  expect_consecutive(fast.positions, 1);
  EXPECT_GT(slow_sub->overflows(), 0u) << "the slow consumer fell back to reading the log";
  EXPECT_LE(slow.max_queued, o.queue_capacity) << "memory stays bounded";
  EXPECT_LE(fast.max_queued, o.queue_capacity);
}

// Filters are application code (what a token may read): one that takes its time must hold back only its own
// deliveries, never the log's acknowledgements.
TEST_F(hub_test, a_slow_subscriber_filter_does_not_delay_acknowledgements) {
  subscription_hub hub(*log_);
  const auto per_event = std::chrono::milliseconds(200);
  event_filter slow{.stream_prefixes = {},
                    .event_types = {},
                    .allow = [per_event](const storage::stored_event&, const event_note&) {
                      std::this_thread::sleep_for(per_event);
                      return true;
                    }};
  consumer c;
  auto sub = hub.subscribe(std::move(slow), {0}, c.ready());
  const auto start = std::chrono::steady_clock::now();
  append_many(5);
  const auto acknowledged =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_LT(acknowledged.count(), 2 * per_event.count())
      << "five appends took " << acknowledged.count() << " ms; the filter takes " << 5 * per_event.count()
      << " ms for them, and must not hold them back";
  c.drain(*sub, 5);
  expect_consecutive(c.positions, 1);
}

// What a filter consults (which units sit in an event's cycle) is learned from the batch before any filter
// meets it, because the hub says so (hub_hooks::learn), not because of the order listeners were registered
// in; and what every filter wants to know of an event is worked out once per event, not once per subscriber.
TEST_F(hub_test, the_read_side_learns_each_batch_before_any_filter_and_notes_each_event_once) {
  std::mutex mu;
  std::set<std::uint64_t> learned;
  std::atomic<int> notes_made{0};
  hub_hooks hooks{.learn =
                      [&](const std::vector<storage::event_ptr>& batch) {
                        std::lock_guard lk(mu);
                        for (const auto& e : batch) learned.insert(e->pos().value);
                      },
                  .annotate =
                      [&](const storage::stored_event& e) {
                        ++notes_made;
                        return event_note(e.pos().value * 10);
                      }};
  subscription_hub hub(*log_, {}, std::move(hooks));
  std::atomic<int> unknown{0}, wrong_note{0};
  auto filter = [&] {
    return event_filter{.stream_prefixes = {},
                        .event_types = {},
                        .allow = [&](const storage::stored_event& e, const event_note& note) {
                          {
                            std::lock_guard lk(mu);
                            if (!learned.contains(e.pos().value)) ++unknown;
                          }
                          const auto* n = std::any_cast<std::uint64_t>(&note);
                          if (!n || *n != e.pos().value * 10) ++wrong_note;
                          return true;
                        }};
  };
  consumer a, b;
  auto sub_a = hub.subscribe(filter(), {0}, a.ready());
  auto sub_b = hub.subscribe(filter(), {0}, b.ready());
  append_many(20);
  a.drain(*sub_a, 20);
  b.drain(*sub_b, 20);
  EXPECT_EQ(unknown.load(), 0) << "a filter met an event the read side had not learned yet";
  EXPECT_EQ(wrong_note.load(), 0);
  EXPECT_EQ(notes_made.load(), 20) << "one note per event for both subscribers";
  // A subscriber catching up from the log gets the notes too.
  consumer late;
  auto sub_late = hub.subscribe(filter(), {1}, late.ready());
  late.drain(*sub_late, 20);
  expect_consecutive(late.positions, 1);
  EXPECT_EQ(wrong_note.load(), 0);
}

TEST_F(hub_test, a_closed_subscription_receives_nothing_and_is_detached) {
  subscription_hub hub(*log_);
  auto sub = hub.subscribe({}, {0});
  EXPECT_EQ(hub.subscribers(), 1u);
  sub->close();
  EXPECT_EQ(hub.subscribers(), 0u);
  append_many(3);
  auto items = sub->poll(10);
  ASSERT_TRUE(items);
  EXPECT_TRUE(items.value().empty());
  sub.reset();
  EXPECT_EQ(hub.subscribers(), 0u);
}

}  // namespace
}  // namespace thidua::engine
