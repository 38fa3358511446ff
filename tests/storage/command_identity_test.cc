// What a command id stands for: a repeat with the same digest gets the first result, a repeat with another
// digest is refused, also after a reopen and after the command ids were rebuilt from the records; and appends
// on one chain fail together once one of them writes nothing.

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <vector>

#include "storage/event_log.h"
#include "tests/storage/log_test_util.h"
#include "tests/storage/raw_db.h"
#include "tests/support/test_support.h"

namespace thidua::storage {
namespace {

using thidua::testing::make_append;
using thidua::testing::raw_db;
using thidua::testing::temp_dir;

append_request with_digest(append_request r, std::string digest) {
  r.command_digest = std::move(digest);
  return r;
}

class command_identity_test : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    log_.reset();
    auto r = event_log::open(log_options{.path = dir_.sub("db")});
    ASSERT_TRUE(r) << r.error().message;
    log_ = std::move(r).value();
  }
  // Queues every request before the first completes (they mostly share a batch) and returns the results.
  std::vector<result<append_result>> append_together(std::vector<append_request> requests) {
    std::vector<std::shared_ptr<std::promise<result<append_result>>>> promises;
    std::vector<std::future<result<append_result>>> futures;
    for (auto& r : requests) {
      promises.push_back(std::make_shared<std::promise<result<append_result>>>());
      futures.push_back(promises.back()->get_future());
      log_->append_async(std::move(r),
                         [p = promises.back()](result<append_result> x) { p->set_value(std::move(x)); });
    }
    std::vector<result<append_result>> out;
    for (auto& f : futures) out.push_back(f.get());
    return out;
  }
  temp_dir dir_;
  std::unique_ptr<event_log> log_;
};

TEST_F(command_identity_test, a_repeat_with_another_digest_is_refused_and_with_the_same_is_the_first_result) {
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

TEST_F(command_identity_test, repeats_queued_together_are_told_apart_by_their_digest) {
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

TEST_F(command_identity_test,
       the_digest_outlives_a_reopen_and_a_rebuild_of_the_command_ids_from_the_records) {
  ASSERT_OK(log_->append(with_digest(make_append("s", "kept", 3), "digest-a")));
  ASSERT_OK(log_->append(make_append("s", "without-digest", 1)));
  reopen();
  auto after_reopen = log_->append(with_digest(make_append("s", "kept"), "digest-b"));
  ASSERT_FALSE(after_reopen);
  EXPECT_EQ(after_reopen.error().code, errc::command_id_reused);
  // As after a crash before the index was flushed: the command ids are gone and the marks say so.
  log_.reset();
  {
    raw_db raw(dir_.sub("db"));
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.db()->Delete({}, raw.commands(), "kept").ok());
    ASSERT_TRUE(raw.db()->Delete({}, raw.commands(), "without-digest").ok());
    ASSERT_TRUE(raw.db()->Put({}, raw.commands(), keys::index_mark, keys::u64_be(0)).ok());
  }
  reopen();
  EXPECT_EQ(log_->stats().reindexed_at_open, 4u);
  EXPECT_EQ(log_->stats().reindexed_from, 1u);
  ASSIGN_OR_FAIL(found, log_->find_command("kept"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->command_digest, "digest-a") << "rebuilt from the first record of the append";
  auto rebuilt = log_->append(with_digest(make_append("s", "kept"), "digest-b"));
  ASSERT_FALSE(rebuilt);
  EXPECT_EQ(rebuilt.error().code, errc::command_id_reused);
  ASSIGN_OR_FAIL(legacy, log_->append(with_digest(make_append("s", "without-digest"), "anything")));
  EXPECT_TRUE(legacy.duplicate) << "an id stored without a digest is not compared";
}

TEST_F(command_identity_test, a_digest_longer_than_64_bytes_is_refused) {
  auto r = log_->append(with_digest(make_append("s", "c"), std::string(65, 'd')));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_argument);
}

TEST_F(command_identity_test, once_an_append_of_a_chain_writes_nothing_every_later_one_fails) {
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

TEST_F(command_identity_test, a_chained_append_refused_on_validation_breaks_the_chain_in_its_turn) {
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

TEST_F(command_identity_test, a_repeat_on_a_chain_breaks_it_because_its_events_were_not_written) {
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

}  // namespace
}  // namespace thidua::storage
