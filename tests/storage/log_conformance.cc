// What every backend of storage::event_log must do (storage/event_log.h): appends, expected versions, command
// ids and their digests, reads, chains, commit listeners, read models. Written against the interface only; a
// backend adopts it with one line (tests/storage/log_conformance.h).

#include "tests/storage/log_conformance.h"

#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/storage/log_test_util.h"

namespace thidua::storage {
namespace {

using thidua::testing::make_append;
using thidua::testing::with_digest;

TEST_P(log_conformance, append_assigns_consecutive_positions_and_versions) {
  ASSIGN_OR_FAIL(a, log_->append(make_append("cycle-1", "c1", 3, expected_version::no_stream())));
  EXPECT_EQ(a.first.value, 1u);
  EXPECT_EQ(a.last.value, 3u);
  EXPECT_EQ(a.version.value, 3u);
  EXPECT_FALSE(a.duplicate);
  ASSIGN_OR_FAIL(b, log_->append(make_append("cycle-2", "c2", 2, expected_version::no_stream())));
  EXPECT_EQ(b.first.value, 4u);
  EXPECT_EQ(b.version.value, 2u);
  EXPECT_EQ(log_->head().value, 5u);
  ASSIGN_OR_FAIL(v, log_->stream_head("cycle-1"));
  EXPECT_EQ(v.value, 3u);
}

TEST_P(log_conformance, stats_count_every_append_once_in_the_latency_histogram) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(log_->append(make_append("s", "c" + std::to_string(i))));
  ASSERT_FALSE(
      log_->append(make_append("s", "c9", 1, expected_version::no_stream())));  // refused: counted too
  const auto st = log_->stats();
  EXPECT_EQ(st.appends, 6u);
  EXPECT_EQ(st.events, 5u);
  std::uint64_t counted = 0;
  for (auto c : st.latency_buckets) counted += c;
  EXPECT_EQ(counted, 6u);
  EXPECT_GT(st.latency_sum_us, 0u) << "a synced append takes more than a microsecond";
}

TEST_P(log_conformance, refuses_wrong_expected_version_and_names_the_actual_one) {
  ASSERT_OK(log_->append(make_append("s", "c1", 2, expected_version::no_stream())));
  auto r = log_->append(make_append("s", "c2", 1, expected_version::exact({1})));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::wrong_expected_version);
  EXPECT_EQ(r.error().actual_version, 2u);
  auto again = log_->append(make_append("s", "c3", 1, expected_version::no_stream()));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, errc::wrong_expected_version);
  EXPECT_EQ(log_->head().value, 2u) << "a refused append writes nothing";
  ASSERT_OK(log_->append(make_append("s", "c4", 1, expected_version::exact({2}))));
  ASSERT_OK(log_->append(make_append("s", "c5", 1, expected_version::any())));
  auto missing = log_->append(make_append("new", "c6", 1, expected_version::exact({1})));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().actual_version, 0u);
}

TEST_P(log_conformance, repeated_command_id_returns_first_result_and_writes_nothing_also_after_reopen) {
  ASSIGN_OR_FAIL(first, log_->append(make_append("s", "cmd-42", 2)));
  ASSIGN_OR_FAIL(second, log_->append(make_append("s", "cmd-42", 5)));
  EXPECT_TRUE(second.duplicate);
  EXPECT_EQ(second.first, first.first);
  EXPECT_EQ(second.last, first.last);
  EXPECT_EQ(second.version, first.version);
  EXPECT_EQ(log_->head().value, 2u);
  reopen();
  ASSIGN_OR_FAIL(third, log_->append(make_append("other", "cmd-42", 1)));
  EXPECT_TRUE(third.duplicate);
  EXPECT_EQ(third.stream_id, "s");
  EXPECT_EQ(third.last.value, 2u);
  EXPECT_EQ(log_->head().value, 2u);
  ASSIGN_OR_FAIL(found, log_->find_command("cmd-42"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->last.value, 2u);
  ASSIGN_OR_FAIL(none, log_->find_command("never"));
  EXPECT_FALSE(none.has_value());
}

TEST_P(log_conformance, duplicates_queued_together_share_one_result) {
  std::vector<std::future<result<append_result>>> futures;
  std::vector<std::shared_ptr<std::promise<result<append_result>>>> promises;
  for (int i = 0; i < 20; ++i) {
    auto p = std::make_shared<std::promise<result<append_result>>>();
    futures.push_back(p->get_future());
    log_->append_async(make_append("s", i % 2 ? "same" : "same-" + std::to_string(i / 2), 1),
                       [p](result<append_result> r) { p->set_value(std::move(r)); });
  }
  std::set<std::uint64_t> same_positions;
  for (int i = 0; i < 20; ++i) {
    auto r = futures[i].get();
    ASSERT_TRUE(r);
    if (i % 2) same_positions.insert(r.value().first.value);
  }
  EXPECT_EQ(same_positions.size(), 1u);
  EXPECT_EQ(log_->head().value, 11u);
}

TEST_P(log_conformance, limits_are_refused_with_typed_errors) {
  auto code_of = [&](append_request r) {
    auto res = log_->append(std::move(r));
    return res ? errc::ok : static_cast<errc>(res.error().code.value());
  };
  EXPECT_EQ(code_of(make_append("", "c", 1)), errc::invalid_stream_id);
  EXPECT_EQ(code_of(make_append("has space", "c", 1)), errc::invalid_stream_id);
  EXPECT_EQ(code_of(make_append(std::string("nul\0x", 5), "c", 1)), errc::invalid_stream_id);
  EXPECT_EQ(code_of(make_append(std::string(129, 'a'), "c", 1)), errc::invalid_stream_id);
  EXPECT_EQ(code_of(make_append("s", "", 1)), errc::invalid_command_id);
  EXPECT_EQ(code_of(make_append("s", "with space", 1)), errc::invalid_command_id);
  EXPECT_EQ(code_of(make_append("s", "c", 0)), errc::empty_append);
  EXPECT_EQ(code_of(make_append("s", "c", 1001)), errc::too_many_events);
  EXPECT_EQ(code_of(make_append("s", "c", 1, expected_version::any(), (1 << 20) + 1)), errc::event_too_large);
  auto bad_type = make_append("s", "c", 1);
  bad_type.events[0].type = "Bad Type";
  EXPECT_EQ(code_of(bad_type), errc::invalid_event_type);
  auto bad = log_->append(make_append("s", "c", 1001));
  EXPECT_NE(bad.error().message.find("events"), std::string::npos) << "the message names the field";
  EXPECT_EQ(log_->head().value, 0u);
  EXPECT_EQ(code_of(make_append("cycle/BCA:II-2023.x_y", "c", 1)), errc::ok);
}

TEST_P(log_conformance, reads_streams_and_the_log_in_pages_both_ways) {
  for (int i = 0; i < 10; ++i)
    ASSERT_OK(log_->append(make_append(i % 2 ? "odd" : "even", "c" + std::to_string(i))));
  // A stream whose id is a prefix of another must not see the other's events.
  ASSERT_OK(log_->append(make_append("odd2", "c-odd2")));
  ASSIGN_OR_FAIL(odd, log_->read_stream("odd", {2}, 100));
  ASSERT_EQ(odd.size(), 4u);
  EXPECT_EQ(odd[0]->record.stream_version(), 2u);
  EXPECT_EQ(odd[0]->pos().value, 4u);
  EXPECT_EQ(odd[0]->record.actor().person(), "Đại tá Nguyễn Văn A");
  ASSIGN_OR_FAIL(page, log_->read_all({3}, 4));
  ASSERT_EQ(page.size(), 4u);
  EXPECT_EQ(page.front()->pos().value, 3u);
  EXPECT_EQ(page.back()->pos().value, 6u);
  ASSIGN_OR_FAIL(back, log_->read_all({0}, 3, direction::backward));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0]->pos().value, 11u);
  EXPECT_EQ(back[2]->pos().value, 9u);
  ASSIGN_OR_FAIL(none, log_->read_all({12}, 3));
  EXPECT_TRUE(none.empty());
  ASSIGN_OR_FAIL(missing, log_->read_stream("missing", {1}, 10));
  EXPECT_TRUE(missing.empty());
  std::uint64_t seen = 0;
  ASSIGN_OR_FAIL(last, log_->scan({5}, {8}, [&](const pb::EventRecord& r, const hash256&) {
    EXPECT_EQ(r.position(), 5 + seen);
    ++seen;
    return true;
  }));
  EXPECT_EQ(seen, 4u);
  EXPECT_EQ(last.value, 8u);
}

TEST_P(log_conformance, positions_continue_and_chain_holds_after_reopen) {
  ASSIGN_OR_FAIL(a, log_->append(make_append("s", "c1", 3)));
  reopen();
  EXPECT_EQ(log_->head().value, 3u);
  ASSIGN_OR_FAIL(b, log_->append(make_append("s", "c2", 1, expected_version::exact({3}))));
  EXPECT_EQ(b.first.value, 4u);
  EXPECT_EQ(b.version.value, 4u);
  ASSIGN_OR_FAIL(report, log_->verify({1}, {UINT64_MAX}));
  EXPECT_TRUE(report.ok) << report.what;
  EXPECT_EQ(report.records, 4u);
  ASSIGN_OR_FAIL(events, log_->read_all({1}, 10));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[3]->record.prev_hash(),
            std::string(reinterpret_cast<const char*>(events[2]->hash.data()), 32));
  EXPECT_EQ(events[0]->record.prev_hash(), std::string(32, '\0'));
}

TEST_P(log_conformance, concurrent_appenders_get_unique_gapless_positions_and_ordered_versions) {
  constexpr int threads = 8, per_thread = 200;
  std::vector<std::thread> pool;
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto r = log_->append(make_append("stream-" + std::to_string(i % 4),
                                          "t" + std::to_string(t) + "-" + std::to_string(i)));
        if (!r) ++failures;
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(log_->head().value, std::uint64_t{threads * per_thread});
  ASSIGN_OR_FAIL(all, log_->read_all({1}, 100000));
  ASSERT_EQ(all.size(), std::size_t{threads * per_thread});
  std::map<std::string, std::uint64_t> versions;
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i]->pos().value, i + 1);
    auto& v = versions[all[i]->record.stream_id()];
    EXPECT_EQ(all[i]->record.stream_version(), v + 1);
    v = all[i]->record.stream_version();
  }
  ASSIGN_OR_FAIL(report, log_->verify({1}, {UINT64_MAX}));
  EXPECT_TRUE(report.ok) << report.what;
}

TEST_P(log_conformance, verify_beside_appends_never_reports_tampering_and_names_the_last_hash) {
  // A served log is verified while commands keep arriving (the API's verify, receipts): records appended
  // during a verify must not be taken for a removed tail.
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i)
      if (log_->append(make_append("s-" + std::to_string(i % 3), "w" + std::to_string(i)))) ++appended;
  });
  int verified = 0;
  for (; verified < 200 || appended.load() < 200; ++verified) {
    auto report = log_->verify({1}, {UINT64_MAX});
    ASSERT_TRUE(report);
    ASSERT_TRUE(report.value().ok) << "verify " << verified << ": " << report.value().what << " at "
                                   << report.value().first_bad.value;
  }
  stop = true;
  writer.join();
  ASSIGN_OR_FAIL(report, log_->verify({1}, {UINT64_MAX}));
  ASSERT_TRUE(report.ok);
  ASSERT_EQ(report.last_checked.value, log_->head().value);
  ASSIGN_OR_FAIL(last, log_->read_all(log_->head(), 1));
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(report.last_hash, last[0]->hash);
  ASSIGN_OR_FAIL(part, log_->verify({2}, {5}));
  ASSIGN_OR_FAIL(fifth, log_->read_all({5}, 1));
  EXPECT_EQ(part.last_checked.value, 5u);
  EXPECT_EQ(part.last_hash, fifth[0]->hash);
}

TEST_P(log_conformance, listeners_see_every_durable_batch_in_order) {
  std::mutex mu;
  std::vector<std::uint64_t> seen;
  auto id = log_->add_commit_listener([&](const std::vector<event_ptr>& batch) {
    std::lock_guard lk(mu);
    for (auto& e : batch) {
      EXPECT_LE(e->pos().value, log_->head().value) << "listeners see only durable events";
      seen.push_back(e->pos().value);
    }
  });
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        EXPECT_OK(log_->append(make_append("s", std::to_string(t) + "-" + std::to_string(i), 2)));
    });
  for (auto& th : pool) th.join();
  log_->remove_commit_listener(id);
  ASSERT_EQ(seen.size(), 400u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1);
}

TEST_P(log_conformance, appends_after_close_are_refused_and_queued_ones_complete) {
  std::atomic<int> done{0};
  for (int i = 0; i < 100; ++i)
    log_->append_async(make_append("s", "q" + std::to_string(i)), [&](result<append_result> r) {
      EXPECT_TRUE(r.has_value());
      ++done;
    });
  // A chain that appends again from each callback until the log refuses: it ends only with an append made
  // after the close began.
  event_log* log = log_.get();
  std::atomic<int> chained{0};
  std::error_code refusal;
  std::function<void(result<append_result>)> again = [&](result<append_result> r) {
    if (!r) {
      refusal = r.error().code;
      return;
    }
    const int n = ++chained;
    log->append_async(make_append("chain", "c" + std::to_string(n)), again);
  };
  log->append_async(make_append("chain", "c0"), again);
  log_.reset();
  EXPECT_EQ(done.load(), 100);
  EXPECT_EQ(refusal, errc::shutting_down);
  reopen();
  EXPECT_EQ(log_->head().value, 100u + static_cast<std::uint64_t>(chained.load()))
      << "every append acknowledged before the close is there, and nothing after it";
}

TEST_P(log_conformance, buffered_mode_acknowledges_without_sync_and_keeps_order) {
  // The count the check below relies on: in the default mode each acknowledged append was synced.
  ASSERT_OK(log_->append(make_append("s", "synced")));
  EXPECT_GE(log_->stats().syncs, 1u);
  log_.reset();
  auto r = open(log_options{.path = dir_.sub("buffered"), .durability_mode = durability::buffered});
  ASSERT_TRUE(r);
  auto log = std::move(r).value();
  for (int i = 0; i < 10; ++i) ASSERT_OK(log->append(make_append("s", "b" + std::to_string(i))));
  EXPECT_EQ(log->head().value, 10u);
  EXPECT_EQ(log->stats().syncs, 0u) << "acknowledged without a sync";
  EXPECT_EQ(log->stats().appends, 10u);
  // The index goes into the records' batch in this mode: readable at once, and a repeat is still a repeat.
  ASSIGN_OR_FAIL(events, log->read_stream("s", {1}, 100));
  EXPECT_EQ(events.size(), 10u);
  ASSIGN_OR_FAIL(repeat, log->append(make_append("s", "b3")));
  EXPECT_TRUE(repeat.duplicate);
  EXPECT_EQ(repeat.last.value, 4u);
  log.reset();
  auto reopened = open(log_options{.path = dir_.sub("buffered")});
  ASSERT_TRUE(reopened);
  ASSIGN_OR_FAIL(head, reopened.value()->stream_head("s"));
  EXPECT_EQ(head.value, 10u);
}

TEST_P(log_conformance, a_repeat_with_another_digest_is_refused_and_with_the_same_is_the_first_result) {
  ASSIGN_OR_FAIL(first, log_->append(with_digest(make_append("s", "cmd-1"), "digest-a")));
  EXPECT_EQ(first.command_digest, "digest-a");
  ASSIGN_OR_FAIL(same, log_->append(with_digest(make_append("s", "cmd-1"), "digest-a")));
  EXPECT_TRUE(same.duplicate);
  EXPECT_EQ(same.last, first.last);
  auto other = log_->append(with_digest(make_append("s", "cmd-1"), "digest-b"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, errc::command_id_reused);
  EXPECT_NE(other.error().message.find("cmd-1"), std::string::npos) << other.error().message;
  EXPECT_EQ(log_->head().value, 1u) << "neither repeat wrote anything";
  ASSIGN_OR_FAIL(found, log_->find_command("cmd-1"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->command_digest, "digest-a");
}

TEST_P(log_conformance, repeats_queued_together_are_told_apart_by_their_digest) {
  auto results =
      append_together({with_digest(make_append("s", "x"), "one"), with_digest(make_append("s", "x"), "two"),
                       with_digest(make_append("s", "x"), "one")});
  ASSERT_TRUE(results[0]);
  ASSERT_FALSE(results[1]);
  EXPECT_EQ(results[1].error().code, errc::command_id_reused);
  ASSERT_TRUE(results[2]);
  EXPECT_TRUE(results[2].value().duplicate);
  EXPECT_EQ(results[2].value().first, results[0].value().first);
  EXPECT_EQ(log_->head().value, 1u);
}

TEST_P(log_conformance, a_digest_longer_than_64_bytes_is_refused) {
  auto r = log_->append(with_digest(make_append("s", "c"), std::string(65, 'd')));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_argument);
}

TEST_P(log_conformance, once_an_append_of_a_chain_writes_nothing_every_later_one_fails) {
  ASSERT_OK(log_->append(make_append("s", "seed")));
  auto chain = std::make_shared<append_chain>();
  auto on_chain = [&](append_request r) {
    r.chain = chain;
    return r;
  };
  // The second expects a version the stream is not at (as when someone else wrote in between): it and
  // everything after it on the chain fail, although the third would have fitted the stream as it is.
  auto results = append_together({on_chain(make_append("s", "a", 1, expected_version::exact({1}))),
                                  on_chain(make_append("s", "b", 1, expected_version::exact({5}))),
                                  on_chain(make_append("s", "c", 1, expected_version::exact({2}))),
                                  make_append("s", "d", 1, expected_version::exact({2}))});
  ASSERT_TRUE(results[0]);
  ASSERT_FALSE(results[1]);
  EXPECT_EQ(results[1].error().code, errc::wrong_expected_version);
  ASSERT_FALSE(results[2]);
  EXPECT_EQ(results[2].error().code, errc::chain_broken);
  ASSERT_TRUE(results[3]) << "an append on no chain is not affected";
  EXPECT_TRUE(chain->broken.load());
  // Later appends on the broken chain fail at once too, in later batches.
  auto late = log_->append(on_chain(make_append("s", "e", 1, expected_version::exact({3}))));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, errc::chain_broken);
  EXPECT_EQ(log_->head().value, 3u);
}

TEST_P(log_conformance, a_chained_append_refused_on_validation_breaks_the_chain_in_its_turn) {
  auto chain = std::make_shared<append_chain>();
  std::vector<append_request> requests;
  for (auto r : {make_append("s", "ok-1"), make_append("s", "with space"), make_append("s", "ok-2")}) {
    r.chain = chain;
    requests.push_back(std::move(r));
  }
  auto results = append_together(std::move(requests));
  ASSERT_TRUE(results[0]) << "what came before the refusal is written";
  ASSERT_FALSE(results[1]);
  EXPECT_EQ(results[1].error().code, errc::invalid_command_id);
  ASSERT_FALSE(results[2]);
  EXPECT_EQ(results[2].error().code, errc::chain_broken);
  EXPECT_EQ(log_->head().value, 1u);
}

TEST_P(log_conformance, a_repeat_on_a_chain_breaks_it_because_its_events_were_not_written) {
  ASSERT_OK(log_->append(make_append("s", "first")));
  auto chain = std::make_shared<append_chain>();
  auto repeat = make_append("s", "first", 1, expected_version::exact({1}));
  repeat.chain = chain;
  auto next = make_append("s", "next", 1, expected_version::exact({2}));
  next.chain = chain;
  auto results = append_together({std::move(repeat), std::move(next)});
  ASSERT_TRUE(results[0]);
  EXPECT_TRUE(results[0].value().duplicate);
  ASSERT_FALSE(results[1]);
  EXPECT_EQ(results[1].error().code, errc::chain_broken);
}

TEST_P(log_conformance, projection_writes_read_model_and_checkpoint_together_and_resets) {
  auto& log = log_;
  ASSIGN_OR_FAIL(cp0, log->projection_checkpoint("counts"));
  EXPECT_EQ(cp0.value, 0u);

  projection_batch b;
  b.put("unit/a", "1");
  b.put("unit/b", "2");
  b.put("other", "x");
  ASSERT_OK(log->commit_projection("counts", b, {7}));
  EXPECT_TRUE(b.empty());
  ASSIGN_OR_FAIL(cp, log->projection_checkpoint("counts"));
  EXPECT_EQ(cp.value, 7u);
  ASSIGN_OR_FAIL(a, log->projection_get("counts", "unit/a"));
  EXPECT_EQ(a.value_or(""), "1");
  // Another projection with a name that is a prefix does not see these keys.
  ASSIGN_OR_FAIL(none, log->projection_get("count", "unit/a"));
  EXPECT_FALSE(none.has_value());

  std::vector<std::string> keys;
  ASSERT_OK(log->projection_scan("counts", "unit/", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  }));
  EXPECT_EQ(keys, (std::vector<std::string>{"unit/a", "unit/b"}));
  // From a cursor: the keys at or after it, still within the prefix.
  keys.clear();
  ASSERT_OK(
      log->projection_scan_from("counts", "unit/", "unit/a\x01", [&](std::string_view k, std::string_view) {
        keys.emplace_back(k);
        return true;
      }));
  EXPECT_EQ(keys, (std::vector<std::string>{"unit/b"}));
  keys.clear();
  ASSERT_OK(log->projection_scan_from("counts", "unit/", "a", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  }));
  EXPECT_EQ(keys, (std::vector<std::string>{"unit/a", "unit/b"}))
      << "a cursor before the prefix starts at it";

  b.erase("unit/a");
  ASSERT_OK(log->commit_projection("counts", b, {8}));
  ASSIGN_OR_FAIL(gone, log->projection_get("counts", "unit/a"));
  EXPECT_FALSE(gone.has_value());

  ASSERT_OK(log->reset_projection("counts"));
  ASSIGN_OR_FAIL(after, log->projection_checkpoint("counts"));
  EXPECT_EQ(after.value, 0u);
  ASSIGN_OR_FAIL(b_gone, log->projection_get("counts", "unit/b"));
  EXPECT_FALSE(b_gone.has_value());

  auto bad = log->projection_get("Bad Name", "k");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::invalid_argument);
}

}  // namespace
}  // namespace thidua::storage
