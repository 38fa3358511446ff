// thidua-server over real loopback sockets: the whole cycle of Cluster II of 2023 through the API with a live
// subscriber per member unit, read-your-writes queries, reconnect-and-resume, and HTTP reads.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/api/api_support.h"
#include "tests/domain/cluster_ii_script.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

namespace wire = api::pb;

// Reads subscription events until `count` have arrived (or a timeout); returns their positions.
std::vector<std::uint64_t> collect_events(ws_client& c, std::size_t count) {
  std::vector<std::uint64_t> positions;
  while (!c.backlog.empty() && positions.size() < count) {
    if (c.backlog.front().has_event()) positions.push_back(c.backlog.front().event().event().position());
    c.backlog.pop_front();
  }
  while (positions.size() < count) {
    auto f = c.receive(std::chrono::seconds(10));
    if (!f) break;
    if (f->has_event()) positions.push_back(f->event().event().position());
  }
  return positions;
}

// Nothing more is waiting for this client: a ping is answered before any other frame.
void expect_nothing_pending(ws_client& c, const std::string& who) {
  EXPECT_TRUE(c.backlog.empty()) << who;
  auto pong = c.request(ping_frame());
  EXPECT_TRUE(pong.has_pong()) << who;
  for (const auto& f : c.backlog) EXPECT_FALSE(f.has_event()) << who << " got an event it may not read";
  c.backlog.clear();
}

class api_flow : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.sub("data");
    std::vector<token_spec> specs = {
        {"tk-office", "BCA-X03", "ORGANIZER_OFFICE", "BCA", {}},
        {"tk-chair", "CA-LaiChau", "CHAIR", "", {}},
        {"tk-quangninh", "CA-QuangNinh", "MEMBER", "", {}},
        {"tk-press", "BAO-CAND", "OBSERVER", "", {"cycles/BCA/dia-phuong/2023"}}};
    for (const auto& u : cluster_ii_members()) specs.push_back({"tk-" + u, u, "MEMBER", "", {}});
    const auto secrets = issue_tokens(db_, specs);
    for (std::size_t i = 0; i < specs.size(); ++i) token_[specs[i].token_id] = secrets[i];
  }

  // The token that speaks for the script's actor.
  std::string token_for(const domain::pb::Actor& a) {
    if (a.role() == domain::pb::ORGANIZER_OFFICE) return token_.at("tk-office");
    if (a.role() == domain::pb::CHAIR) return token_.at("tk-chair");
    return token_.at("tk-" + a.unit_id());
  }

  // Registers the units and defines Cluster II as the organizer's office.
  void set_up_registry(ws_client& office) {
    for (const auto& u : std::vector<std::string>{"CA-LaiChau", "CA-DienBien", "CA-SonLa", "CA-LaoCai",
                                                  "CA-HaGiang", "CA-CaoBang", "CA-LangSon", "CA-QuangNinh"}) {
      domain::pb::RegistryCommand c;
      c.mutable_register_unit()->set_unit_id(u);
      c.mutable_register_unit()->set_name("Công an tỉnh " + u.substr(3));
      c.mutable_register_unit()->set_kind(domain::pb::PROVINCIAL_POLICE);
      ASSERT_TRUE(office.request(command_frame("reg-" + u, c)).has_accepted());
    }
    domain::pb::RegistryCommand d;
    d.mutable_define_cluster()->set_organizer_id("BCA");
    d.mutable_define_cluster()->set_series("dia-phuong");
    d.mutable_define_cluster()->set_number("II");
    d.mutable_define_cluster()->set_name("Cụm thi đua số II - Bộ Công an");
    ASSERT_TRUE(office.request(command_frame("define-II", d)).has_accepted());
  }

  temp_dir dir_;
  std::string db_;
  std::map<std::string, std::string> token_;
};

TEST_F(api_flow,
       cluster_ii_of_2023_runs_open_to_award_decision_and_each_member_sees_exactly_its_events_live) {
  server_process server(db_, {"--no-demo"});
  ASSERT_GT(server.port(), 0) << server.output();
  ws_client office(server.port(), token_.at("tk-office"));
  ASSERT_TRUE(office.open());
  set_up_registry(office);

  // A live subscriber per member unit (from now), one for a unit of another cluster, one for the press.
  std::map<std::string, std::unique_ptr<ws_client>> subscribers;
  for (const auto& u : cluster_ii_members())
    subscribers[u] = std::make_unique<ws_client>(server.port(), token_.at("tk-" + u));
  subscribers["CA-QuangNinh"] = std::make_unique<ws_client>(server.port(), token_.at("tk-quangninh"));
  subscribers["press"] = std::make_unique<ws_client>(server.port(), token_.at("tk-press"));
  for (auto& [who, c] : subscribers) {
    ASSERT_TRUE(c->open()) << who;
    if (who == "press") {
      // The press subscribes with a text frame: its events come in the JSON mapping.
      c->send_text(R"({"request_id":"js","subscribe":{"subscription_id":"live","from_position":"0"}})");
      auto ok = c->receive();
      ASSERT_TRUE(ok && ok->has_subscribed()) << (ok ? ok->DebugString() : "no reply");
      continue;
    }
    auto ok = c->request(subscribe_frame("live", 0));
    ASSERT_TRUE(ok.has_subscribed()) << who << ": " << ok.DebugString();
  }

  // The whole cycle, each step by the token of the unit that takes it, each reply durable with positions.
  std::map<std::string, std::unique_ptr<ws_client>> actors;
  std::vector<std::uint64_t> cycle_positions;
  int n = 0;
  for (auto& [actor, command] : cluster_ii_script()) {
    const std::string token = token_for(actor);
    auto& c = actors[token];
    if (!c) c = std::make_unique<ws_client>(server.port(), token);
    auto reply = c->request(command_frame("step-" + std::to_string(++n), command));
    ASSERT_TRUE(reply.has_accepted()) << "step " << n << ": " << reply.DebugString();
    EXPECT_EQ(reply.accepted().stream_id(), "cycles/BCA/dia-phuong/2023");
    for (auto p = reply.accepted().first_position(); p <= reply.accepted().last_position(); ++p)
      cycle_positions.push_back(p);
  }
  ASSERT_GE(cycle_positions.size(), 30u);

  // Each member and the press saw exactly the cycle's events, in order; Quảng Ninh saw none of them.
  for (const auto& u : cluster_ii_members())
    EXPECT_EQ(collect_events(*subscribers[u], cycle_positions.size()), cycle_positions) << u;
  EXPECT_EQ(collect_events(*subscribers["press"], cycle_positions.size()), cycle_positions);
  for (auto& [who, c] : subscribers) expect_nothing_pending(*c, who);

  // A command for another unit is refused by the domain, with the field and both languages.
  wire::ClientFrame other = command_frame("sign-for-another", cmd::sign("CA-SonLa"));
  *other.mutable_command()->mutable_cycle()->mutable_cycle() = cluster_ii_key();
  auto refused = actors[token_.at("tk-CA-DienBien")] ? actors[token_.at("tk-CA-DienBien")]->request(other)
                                                     : wire::ServerFrame{};
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_FALSE(refused.error().code().empty());
  EXPECT_FALSE(refused.error().field().empty());
  EXPECT_FALSE(refused.error().message_vi().empty());

  // Read your writes: the cycle as of the last position is closed with its decisions.
  const auto get = get_cycle_frame(2023, "II", cycle_positions.back());
  auto cycle = office.request(get);
  ASSERT_TRUE(cycle.has_result()) << cycle.DebugString();
  ASSERT_EQ(cycle.result().cycles_size(), 1);
  EXPECT_EQ(cycle.result().cycles(0).stage(), domain::pb::CLOSED);
  EXPECT_EQ(cycle.result().cycles(0).decisions_size(), 7);
  EXPECT_EQ(cycle.result().cycles(0).next_chair_unit_id(), "CA-LangSon");
  EXPECT_GE(cycle.result().read_model_position(), cycle_positions.back());
  auto forbidden = subscribers["CA-QuangNinh"]->request(get);
  ASSERT_TRUE(forbidden.has_error());
  EXPECT_EQ(forbidden.error().code(), "FORBIDDEN");

  // The stream as Quảng Ninh reads it is empty; as a member reads it, whole.
  wire::ClientFrame stream;
  stream.mutable_query()->mutable_read_stream()->set_stream_id("cycles/BCA/dia-phuong/2023");
  auto as_member = subscribers["CA-SonLa"]->request(stream);
  ASSERT_TRUE(as_member.has_result());
  EXPECT_EQ(static_cast<std::size_t>(as_member.result().events_size()), cycle_positions.size());
  EXPECT_EQ(as_member.result().events(0).type(), "CycleOpened");
  EXPECT_TRUE(as_member.result().events(0).cycle().has_cycle_opened());
  EXPECT_EQ(as_member.result().events(0).hash().size(), 64u);
  auto as_outsider = subscribers["CA-QuangNinh"]->request(stream);
  ASSERT_TRUE(as_outsider.has_result());
  EXPECT_EQ(as_outsider.result().events_size(), 0);
  stream.mutable_query()->mutable_read_stream()->set_stream_id("tokens");
  auto tokens = office.request(stream);
  ASSERT_TRUE(tokens.has_error());
  EXPECT_EQ(tokens.error().code(), "FORBIDDEN") << "nobody reads the token stream over the API";

  // The same over HTTP, as the press.
  auto http = http_get(
      server.port(),
      "/v1/cycles/BCA/dia-phuong/2023/II?at_least_position=" + std::to_string(cycle_positions.back()),
      token_.at("tk-press"));
  EXPECT_NE(http.find("HTTP/1.1 200"), std::string::npos) << http;
  EXPECT_NE(http.find(R"("stage":"CLOSED")"), std::string::npos) << http;
  EXPECT_NE(http.find("Cụm thi đua số II - Bộ Công an"), std::string::npos) << "UTF-8 as it was written";
  auto unauth = http_get(server.port(), "/v1/cycles");
  EXPECT_NE(unauth.find("HTTP/1.1 401"), std::string::npos) << unauth;
  auto bad = http_get(server.port(), "/v1/cycles?year=twenty", token_.at("tk-press"));
  EXPECT_NE(bad.find("HTTP/1.1 400"), std::string::npos) << bad;
  EXPECT_NE(bad.find(R"("field":"year")"), std::string::npos) << bad;
  auto clusters = http_get(server.port(), "/v1/clusters", token_.at("tk-quangninh"));
  EXPECT_NE(clusters.find(R"("number":"2")"), std::string::npos) << clusters;

  // Each series present, with the value this test's traffic gives it.
  const auto metrics = http_get(server.port(), "/metrics");
  const auto value = [&](const std::string& series) { return metric_value(metrics, series).value_or(-1); };
  const double accepted = value("thidua_commands_total{result=\"accepted\"}");
  EXPECT_GE(accepted, 1) << metrics;
  EXPECT_EQ(value("thidua_command_latency_seconds_bucket{le=\"+Inf\"}"),
            value("thidua_command_latency_seconds_count"))
      << "every command falls in the last bucket";
  EXPECT_GE(value("thidua_command_latency_seconds_count"), accepted);
  EXPECT_NE(metrics.find("# TYPE thidua_log_append_latency_seconds histogram"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("thidua_build_info{version=\"0."), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\",commit=\""), std::string::npos) << "the commit it was built from: " << metrics;
  EXPECT_GE(value("thidua_log_append_latency_seconds_bucket{le=\"0.0001\"}"), 0);
  EXPECT_GE(value("thidua_log_append_latency_seconds_count"), accepted) << "the cycle's appends are counted";
  EXPECT_EQ(value("thidua_subscriptions"), 9) << metrics;
  EXPECT_GE(value("thidua_websocket_connections"), 1) << metrics;

  const int status = server.terminate();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server.output();
}

TEST_F(api_flow, a_subscriber_that_reconnects_with_its_last_position_misses_nothing_and_repeats_nothing) {
  server_process server(db_, {"--no-demo"});
  ASSERT_GT(server.port(), 0) << server.output();
  ws_client office(server.port(), token_.at("tk-office"));
  set_up_registry(office);
  auto script = cluster_ii_script();
  const std::size_t half = script.size() / 2;
  std::map<std::string, std::unique_ptr<ws_client>> actors;
  auto run = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const std::string token = token_for(script[i].first);
      auto& c = actors[token];
      if (!c) c = std::make_unique<ws_client>(server.port(), token);
      ASSERT_TRUE(c->request(command_frame("s" + std::to_string(i), script[i].second)).has_accepted());
    }
  };

  std::vector<std::uint64_t> seen;
  {
    ws_client sub(server.port(), token_.at("tk-CA-HaGiang"));
    ASSERT_TRUE(sub.request(subscribe_frame("h", 1)).has_subscribed());
    run(0, half);
    // Reads a few events, then the connection drops.
    seen = collect_events(sub, 5);
    ASSERT_EQ(seen.size(), 5u);
  }
  run(half, script.size());
  ws_client again(server.port(), token_.at("tk-CA-HaGiang"));
  ASSERT_TRUE(again.request(subscribe_frame("h", seen.back() + 1)).has_subscribed());
  for (;;) {
    auto f = again.receive();
    ASSERT_TRUE(f.has_value());
    if (f->has_caught_up()) break;
    if (f->has_event()) seen.push_back(f->event().event().position());
  }
  // Everything Hà Giang may read, from the log, equals what it saw across the two connections.
  wire::ClientFrame all;
  all.mutable_query()->mutable_read_log()->set_from_position(1);
  auto log = again.request(all);
  ASSERT_TRUE(log.has_result());
  std::vector<std::uint64_t> expected;
  for (const auto& e : log.result().events()) expected.push_back(e.position());
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(std::set<std::uint64_t>(seen.begin(), seen.end()).size(), seen.size()) << "no duplicate";
}

}  // namespace
}  // namespace thidua::testing
