// A command id belongs to the person and unit that sent it: replayed over real sockets, the attacks of an id
// chosen to match another's — another unit's decision, a second member's signature, a token's revocation —
// fail, and a true retry still gets the first result after a restart. And one unit's flood of its own
// commands does not stall another cluster's.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/api/api_support.h"
#include "tests/domain/commands.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

namespace wire = api::pb;

domain::pb::Command on(domain::pb::Command c, const std::string& number, unsigned year = 2030) {
  *c.mutable_cycle() = cmd::key("BCA", "dia-phuong", number, year);
  return c;
}

domain::pb::Command activity(const std::string& number, const std::string& description) {
  domain::pb::Command c;
  c.mutable_activity()->set_date("2030-05-19");
  c.mutable_activity()->set_kind("sports_meet");
  c.mutable_activity()->set_description(description);
  return on(std::move(c), number);
}

class command_identity : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.sub("data");
    const std::vector<token_spec> specs = {{"tk-office", "BCA-X03", "ORGANIZER_OFFICE", "BCA", {}},
                                           {"tk-a", "CA-A", "CHAIR", "", {}},
                                           {"tk-b", "CA-B", "MEMBER", "", {}},
                                           {"tk-c", "CA-C", "MEMBER", "", {}},
                                           {"tk-x", "CA-X", "CHAIR", "", {}},
                                           {"tk-y", "CA-Y", "MEMBER", "", {}}};
    const auto secrets = issue_tokens(db_, specs);
    for (std::size_t i = 0; i < specs.size(); ++i) token_[specs[i].token_id] = secrets[i];
  }
  // Cluster 1 (A chairs, B and C) with its pledge contents adopted; cluster 2 (X chairs, Y).
  void open_two_clusters(int port) {
    ws_client office(port, token_.at("tk-office"));
    define_cluster(office, "1", {"CA-A", "CA-B", "CA-C"});
    define_cluster(office, "2", {"CA-X", "CA-Y"});
    ASSERT_TRUE(office
                    .request(command_frame("open-1",
                                           on(cmd::open("Cụm 1", {"CA-A", "CA-B", "CA-C"}, "CA-A", ""), "1")))
                    .has_accepted());
    ASSERT_TRUE(
        office.request(command_frame("open-2", on(cmd::open("Cụm 2", {"CA-X", "CA-Y"}, "CA-X", ""), "2")))
            .has_accepted());
    ws_client chair(port, token_.at("tk-a"));
    ASSERT_TRUE(chair.request(command_frame("launch", on(cmd::launch("2030-03-20"), "1"))).has_accepted());
    ASSERT_TRUE(chair.request(command_frame("contents", on(cmd::contents(), "1"))).has_accepted());
  }
  temp_dir dir_;
  std::string db_;
  std::map<std::string, std::string> token_;
};

TEST_F(command_identity, another_units_command_with_the_same_id_is_recorded_not_answered_as_a_repeat) {
  server_process server(db_, {"--no-demo"});
  ASSERT_GT(server.port(), 0) << server.output();
  open_two_clusters(server.port());
  ws_client a(server.port(), token_.at("tk-a"));
  ws_client x(server.port(), token_.at("tk-x"));
  auto first = a.request(command_frame("hoi-thao-2030-05", activity("1", "Hội thao cụm 1")));
  ASSERT_TRUE(first.has_accepted()) << first.DebugString();
  auto second = x.request(command_frame("hoi-thao-2030-05", activity("2", "Hội thao cụm 2")));
  ASSERT_TRUE(second.has_accepted()) << second.DebugString();
  EXPECT_FALSE(second.accepted().duplicate()) << "X is not told of A's event";
  EXPECT_GT(second.accepted().last_position(), first.accepted().last_position())
      << "X's activity is recorded";
  // Both are in the log, each with the id its sender chose.
  wire::ClientFrame log;
  log.mutable_query()->mutable_read_log()->set_from_position(first.accepted().last_position());
  auto page = x.request(log);
  ASSERT_TRUE(page.has_result());
  ASSERT_EQ(page.result().events_size(), 1) << "X reads only its own cluster's event";
  EXPECT_EQ(page.result().events(0).command_id(), "hoi-thao-2030-05");
  EXPECT_EQ(page.result().events(0).actor_unit_id(), "CA-X");
}

TEST_F(command_identity, a_second_members_signature_with_the_same_id_is_not_dropped) {
  server_process server(db_, {"--no-demo"});
  ASSERT_GT(server.port(), 0) << server.output();
  open_two_clusters(server.port());
  ws_client b(server.port(), token_.at("tk-b"));
  ws_client c(server.port(), token_.at("tk-c"));
  auto signed_b = b.request(command_frame("ky-giao-uoc", on(cmd::sign("CA-B"), "1")));
  ASSERT_TRUE(signed_b.has_accepted()) << signed_b.DebugString();
  auto signed_c = c.request(command_frame("ky-giao-uoc", on(cmd::sign("CA-C"), "1")));
  ASSERT_TRUE(signed_c.has_accepted()) << signed_c.DebugString();
  EXPECT_FALSE(signed_c.accepted().duplicate());
  auto view = c.request(get_cycle_frame(2030, "1", signed_c.accepted().last_position()));
  ASSERT_TRUE(view.has_result() && view.result().cycles_size() == 1) << view.DebugString();
  const auto& signed_units = view.result().cycles(0).signed_unit_ids();
  EXPECT_EQ(std::vector<std::string>(signed_units.begin(), signed_units.end()),
            (std::vector<std::string>{"CA-B", "CA-C"}));
}

TEST_F(command_identity,
       a_reused_id_with_other_contents_is_refused_and_a_retry_gets_the_first_result_after_restart) {
  std::uint64_t first_position = 0;
  {
    server_process server(db_, {"--no-demo"});
    ASSERT_GT(server.port(), 0) << server.output();
    open_two_clusters(server.port());
    ws_client a(server.port(), token_.at("tk-a"));
    auto first = a.request(command_frame("hoat-dong-1", activity("1", "Hội thao")));
    ASSERT_TRUE(first.has_accepted());
    first_position = first.accepted().last_position();
    auto other = a.request(command_frame("hoat-dong-1", activity("1", "Một hoạt động khác")));
    ASSERT_TRUE(other.has_error()) << other.DebugString();
    EXPECT_EQ(other.error().code(), "COMMAND_ID_REUSED");
    EXPECT_EQ(other.error().field(), "command.command_id");
    EXPECT_EQ(other.error().message(), "command_id: hoat-dong-1 was already used for a different command")
        << "the id as the client sent it, without its scope";
    EXPECT_FALSE(other.error().message_vi().empty());
    auto bad = a.request(command_frame("has space", activity("1", "x")));
    ASSERT_TRUE(bad.has_error());
    EXPECT_EQ(bad.error().code(), "INVALID_FIELD");
    EXPECT_EQ(bad.error().field(), "command.command_id");
    EXPECT_EQ(server.terminate(), 0);
  }
  server_process server(db_, {"--no-demo"});
  ASSERT_GT(server.port(), 0) << server.output();
  ws_client a(server.port(), token_.at("tk-a"));
  auto retry = a.request(command_frame("hoat-dong-1", activity("1", "Hội thao")));
  ASSERT_TRUE(retry.has_accepted()) << retry.DebugString();
  EXPECT_TRUE(retry.accepted().duplicate());
  EXPECT_EQ(retry.accepted().last_position(), first_position);
}

TEST_F(command_identity, a_token_holder_cannot_make_its_own_revocation_record_nothing) {
  {
    server_process server(db_, {"--no-demo"});
    ASSERT_GT(server.port(), 0) << server.output();
    open_two_clusters(server.port());
    ws_client y(server.port(), token_.at("tk-y"));
    // The id the operator's revocation records itself under (tools/cli: token-revoke-<token id>).
    auto pre_empt = y.request(command_frame("token-revoke-tk-y", activity("2", "chiếm trước mã lệnh")));
    ASSERT_TRUE(pre_empt.has_accepted()) << pre_empt.DebugString();
    EXPECT_EQ(server.terminate(), 0);
  }
  revoke_token(db_, "tk-y");
  server_process server(db_, {"--no-demo"});
  ASSERT_GT(server.port(), 0) << server.output();
  ws_client y(server.port(), token_.at("tk-y"));
  auto r = y.request(ping_frame());
  ASSERT_TRUE(r.has_error()) << "the revoked token no longer works";
  EXPECT_EQ(r.error().code(), "UNAUTHENTICATED");
}

// All provincial clusters of a year share one stream: a unit flooding its own cluster's activities from ten
// connections, each just under its frame rate, must not hold another cluster's command behind its queue.
TEST_F(command_identity, one_units_flood_of_commands_does_not_stall_another_cluster) {
  server_process server(db_, {"--no-demo"});
  ASSERT_GT(server.port(), 0) << server.output();
  open_two_clusters(server.port());
  constexpr int connections = 10;
  std::atomic<bool> stop{false};
  std::atomic<int> accepted{0}, busy{0}, other{0}, sent{0}, bursts_sent{0};
  std::vector<std::thread> flood;
  for (int c = 0; c < connections; ++c)
    flood.emplace_back([&, c] {
      ws_client b(server.port(), token_.at("tk-b"));
      int mine = 0;
      auto send_one = [&] {
        const std::string id = "flood-" + std::to_string(c) + "-" + std::to_string(mine++);
        b.send(command_frame(id, activity("1", "Hoạt động " + id)));
      };
      // What the frame rate allows: a burst of 390 at once, then 190 per second — 3,900 and then 1,900 per
      // second in all, more than the stream takes one command per disk sync, so such a queue only grows.
      for (int k = 0; k < 390; ++k) send_one();
      ++bursts_sent;
      for (auto next = std::chrono::steady_clock::now(); !stop.load();
           next += std::chrono::milliseconds(50)) {
        for (int k = 0; k < 9; ++k) send_one();
        std::this_thread::sleep_until(next + std::chrono::milliseconds(50));
      }
      sent += mine;
      for (int i = 0; i < mine; ++i) {
        auto r = b.receive(std::chrono::seconds(30));
        if (!r) return;
        if (r->has_accepted()) {
          ++accepted;
        } else if (r->has_error() && r->error().code() == "BUSY") {
          ++busy;
        } else {
          ++other;
        }
      }
    });
  // The other cluster's command goes once every flooding connection has sent its burst: 3,900 commands wait.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (bursts_sent.load() < connections && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  if (bursts_sent.load() < connections) {
    stop = true;
    for (auto& t : flood) t.join();
    FAIL() << "the flood's bursts were not sent within 60 s";
  }
  ws_client x(server.port(), token_.at("tk-x"));
  const auto start = std::chrono::steady_clock::now();
  auto reply = x.request(command_frame("cum-2-hoi-thao", activity("2", "Hội thao cụm 2")));
  const auto waited = std::chrono::steady_clock::now() - start;
  stop = true;
  for (auto& t : flood) t.join();
  ASSERT_TRUE(reply.has_accepted()) << reply.DebugString();
  // Behind the flood's queue (one command per disk sync, ~1,000/s here) it would wait about 4 s; the bound
  // leaves a slow 2-core machine room.
  EXPECT_LT(waited, std::chrono::seconds(2))
      << "answered after " << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() << " ms";
  // Every flooding command is answered: recorded, or refused as busy (to be retried), nothing else.
  EXPECT_EQ(accepted + busy, sent.load());
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(accepted.load(), 0);
}

}  // namespace
}  // namespace thidua::testing
