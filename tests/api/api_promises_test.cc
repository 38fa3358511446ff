// What docs/api.md promises and no other test held the server to: every subscription filter field narrows
// exactly as documented, heartbeats carry the head, the error codes WRONG_EXPECTED_VERSION (with
// actual_version) and DUPLICATE_SUBSCRIPTION, and the HTTP routes /readyz, /v1/streams, /v1/log and the 405.

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "tests/api/api_support.h"
#include "tests/domain/commands.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

namespace wire = api::pb;

class api_promises_on_demo : public demo_server_test {};

// The history a subscription delivers up to its caught_up, in order.
std::vector<wire::EventEnvelope> history(ws_client& c, wire::ClientFrame subscribe) {
  const std::string id = subscribe.subscribe().subscription_id();
  subscribe.mutable_subscribe()->set_from_position(1);
  auto ok = c.request(subscribe);
  EXPECT_TRUE(ok.has_subscribed()) << ok.DebugString();
  std::vector<wire::EventEnvelope> out;
  for (;;) {
    std::optional<wire::ServerFrame> f;
    if (!c.backlog.empty()) {
      f = c.backlog.front();
      c.backlog.pop_front();
    } else {
      f = c.receive(std::chrono::seconds(30));
    }
    if (!f) {
      ADD_FAILURE() << "no caught_up for " << id;
      return out;
    }
    if (f->has_caught_up() && f->caught_up().subscription_id() == id) return out;
    if (f->has_event() && f->event().subscription_id() == id) out.push_back(f->event().event());
  }
}

wire::ClientFrame subscription(const std::string& id,
                               const std::function<void(api::pb::Subscribe&)>& filter) {
  wire::ClientFrame f;
  f.mutable_subscribe()->set_subscription_id(id);
  filter(*f.mutable_subscribe());
  return f;
}

std::vector<std::uint64_t> positions(const std::vector<wire::EventEnvelope>& events) {
  std::vector<std::uint64_t> out;
  for (const auto& e : events) out.push_back(e.position());
  return out;
}

std::vector<std::uint64_t> positions_where(const std::vector<wire::EventEnvelope>& events,
                                           const std::function<bool(const wire::EventEnvelope&)>& keep) {
  std::vector<std::uint64_t> out;
  for (const auto& e : events)
    if (keep(e)) out.push_back(e.position());
  return out;
}

// Each filter field against the same history read unfiltered: exactly the events it names, and some.
TEST_F(api_promises_on_demo, every_subscription_filter_field_narrows_as_documented) {
  ws_client office(server.port(), tokens.at("ORGANIZER_OFFICE BCA-X03"));
  const auto all = history(office, subscription("all", [](auto&) {}));
  ASSERT_GT(all.size(), 50u);
  const auto in = [](const std::string& prefix) {
    return [prefix](const wire::EventEnvelope& e) { return e.stream_id().starts_with(prefix); };
  };
  struct filter_case {
    std::string name;
    std::function<void(api::pb::Subscribe&)> set;
    std::function<bool(const wire::EventEnvelope&)> expect;
  };
  const std::vector<filter_case> cases = {
      {"organizer", [](auto& s) { s.set_organizer_id("BCA"); }, in("cycles/BCA/")},
      {"series",
       [](auto& s) {
         s.set_organizer_id("BCA");
         s.set_series("dia-phuong");
       },
       in("cycles/BCA/dia-phuong/")},
      {"year",
       [](auto& s) {
         s.set_organizer_id("BCA");
         s.set_series("dia-phuong");
         s.set_year(2024);
       },
       in("cycles/BCA/dia-phuong/2024")},
      {"number",
       [](auto& s) {
         s.set_organizer_id("BCA");
         s.set_series("dia-phuong");
         s.set_year(2024);
         s.set_number("IV");  // the roman spelling names cluster 4
       },
       [](const wire::EventEnvelope& e) {
         return e.stream_id() == "cycles/BCA/dia-phuong/2024" && e.cycle().cluster() == "4";
       }},
      {"event_types", [](auto& s) { s.add_event_types("PledgeSigned"); },
       [](const wire::EventEnvelope& e) { return e.type() == "PledgeSigned"; }},
  };
  for (const auto& c : cases) {
    const auto expected = positions_where(all, c.expect);
    ASSERT_FALSE(expected.empty()) << c.name << ": the demo data should have such events";
    ASSERT_LT(expected.size(), all.size()) << c.name << ": a filter that keeps everything proves nothing";
    EXPECT_EQ(positions(history(office, subscription(c.name, c.set))), expected) << c.name;
  }

  // unit_id: the cycles of the clusters that unit sits in — the ones its own member token may read.
  ws_client son_la(server.port(), tokens.at("MEMBER CA-SonLa"));
  wire::ClientFrame list;
  list.mutable_query()->mutable_list_cycles();
  list.mutable_query()->set_at_least_position(all.back().position());  // the read model holds what was read
  auto cycles = son_la.request(list);
  ASSERT_TRUE(cycles.has_result()) << cycles.DebugString();
  std::set<std::pair<std::string, std::string>> sits_in;  // (stream, cluster)
  for (const auto& v : cycles.result().cycles())
    if (std::find(v.member_unit_ids().begin(), v.member_unit_ids().end(), "CA-SonLa") !=
        v.member_unit_ids().end())
      sits_in.emplace(v.stream_id(), v.key().number());
  ASSERT_FALSE(sits_in.empty());
  const auto expected = positions_where(all, [&](const wire::EventEnvelope& e) {
    return e.has_cycle() && sits_in.count({e.stream_id(), e.cycle().cluster()}) > 0;
  });
  EXPECT_EQ(positions(history(office, subscription("unit", [](auto& s) { s.set_unit_id("CA-SonLa"); }))),
            expected);
}

TEST_F(api_promises_on_demo, a_second_subscription_with_the_same_id_is_refused) {
  ws_client c(server.port(), tokens.at("MEMBER CA-SonLa"));
  ASSERT_TRUE(c.request(subscribe_frame("twice", 0)).has_subscribed());
  auto again = c.request(subscribe_frame("twice", 0));
  ASSERT_TRUE(again.has_error()) << again.DebugString();
  EXPECT_EQ(again.error().code(), "DUPLICATE_SUBSCRIPTION");
  EXPECT_EQ(again.error().field(), "subscribe.subscription_id");
  EXPECT_TRUE(c.request(subscribe_frame("other", 0)).has_subscribed()) << "the connection goes on";
}

TEST_F(api_promises_on_demo, a_wrong_expected_version_is_refused_with_the_actual_one) {
  ws_client member(server.port(), tokens.at("MEMBER CA-BacNinh"));
  domain::pb::Command c;
  *c.mutable_cycle() = cmd::key("BCA", "dia-phuong", "4", 2024);
  c.mutable_activity()->set_date("2024-06-01");
  c.mutable_activity()->set_kind("sports_meet");
  c.mutable_activity()->set_description("Giao hữu bóng đá");
  auto stale = command_frame("expected-1", c);
  stale.mutable_command()->set_expected_version(1);
  stale.mutable_command()->set_has_expected_version(true);
  auto refused = member.request(stale);
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_EQ(refused.error().code(), "WRONG_EXPECTED_VERSION");
  const std::uint64_t actual = refused.error().actual_version();
  EXPECT_GT(actual, 1u);
  // actual_version is the cycle's own count of events, as the read model shows it once it holds the whole
  // log.
  const auto head = metric_value(http_get(server.port(), "/metrics"), "thidua_log_head");
  ASSERT_TRUE(head);
  auto view = member.request(get_cycle_frame(2024, "4", static_cast<std::uint64_t>(*head)));
  ASSERT_TRUE(view.has_result() && view.result().cycles_size() == 1) << view.DebugString();
  EXPECT_EQ(view.result().cycles(0).events(), actual);
  auto current = command_frame("expected-2", c);
  current.mutable_command()->set_expected_version(actual);
  current.mutable_command()->set_has_expected_version(true);
  auto accepted = member.request(current);
  ASSERT_TRUE(accepted.has_accepted()) << accepted.DebugString();
  EXPECT_EQ(accepted.accepted().version(), actual + 1);
}

TEST(api_promises, heartbeats_carry_the_head_to_connections_with_subscriptions) {
  temp_dir dir;
  server_process server(dir.sub("data"), {"--heartbeat", "1"});
  ASSERT_GT(server.port(), 0) << server.output();
  const auto tokens = demo_tokens(dir.sub("data"));
  const auto head = metric_value(http_get(server.port(), "/metrics"), "thidua_log_head");
  ASSERT_TRUE(head);
  ws_client quiet(server.port(), tokens.at("MEMBER CA-LaoCai"));
  ws_client c(server.port(), tokens.at("MEMBER CA-SonLa"));
  ASSERT_TRUE(c.request(subscribe_frame("live", 0)).has_subscribed());
  std::optional<wire::ServerFrame> beat;
  while (auto f = c.receive(std::chrono::seconds(5))) {
    if (f->has_heartbeat()) {
      beat = f;
      break;
    }
  }
  ASSERT_TRUE(beat) << "no heartbeat within 5 s at --heartbeat 1";
  EXPECT_EQ(beat->heartbeat().head(), static_cast<std::uint64_t>(*head));
  EXPECT_FALSE(quiet.receive(std::chrono::milliseconds(2500)).has_value())
      << "a connection without subscriptions gets no heartbeat";
}

TEST_F(api_promises_on_demo, http_readyz_streams_log_and_405_answer_as_documented) {
  const std::string token = tokens.at("ORGANIZER_OFFICE BCA-X03");
  const auto head = metric_value(http_get(server.port(), "/metrics"), "thidua_log_head");
  ASSERT_TRUE(head);
  const std::string head_text = std::to_string(static_cast<std::uint64_t>(*head));

  const auto ready = http_get(server.port(), "/readyz");
  EXPECT_NE(ready.find("HTTP/1.1 200"), std::string::npos) << ready;
  EXPECT_NE(ready.find(R"("status":"ready")"), std::string::npos) << ready;
  EXPECT_NE(ready.find(R"("head":)" + head_text), std::string::npos) << ready;
  EXPECT_NE(ready.find(R"("read_model_position":)"), std::string::npos) << ready;

  const auto stream =
      http_get(server.port(), "/v1/streams/cycles/BCA/dia-phuong/2024?from_version=2&limit=3", token);
  EXPECT_NE(stream.find("HTTP/1.1 200"), std::string::npos) << stream;
  EXPECT_NE(stream.find(R"("stream_version":"2")"), std::string::npos) << stream;
  EXPECT_NE(stream.find(R"("stream_version":"4")"), std::string::npos) << stream;
  EXPECT_EQ(stream.find(R"("stream_version":"5")"), std::string::npos) << "limit=3: " << stream;
  EXPECT_NE(stream.find(R"("next_version":"5")"), std::string::npos) << stream;

  const auto log = http_get(server.port(), "/v1/log?from_position=1&limit=2", token);
  EXPECT_NE(log.find("HTTP/1.1 200"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("position":"1")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("position":"2")"), std::string::npos) << log;
  EXPECT_EQ(log.find(R"("position":"3")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("next_position":"3")"), std::string::npos) << log;
  const auto backward = http_get(server.port(), "/v1/log?from_position=3&limit=2&backward=true", token);
  const auto third = backward.find(R"("position":"3")");
  EXPECT_NE(third, std::string::npos) << backward;
  EXPECT_LT(third, backward.find(R"("position":"2")")) << "newest first: " << backward;
  EXPECT_EQ(backward.find(R"("position":"1")"), std::string::npos) << backward;

  const auto post = http_exchange(
      server.port(), "POST /v1/cycles HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  EXPECT_NE(post.find("HTTP/1.1 405"), std::string::npos) << post;
  EXPECT_NE(post.find("METHOD_NOT_ALLOWED"), std::string::npos) << post;
}

}  // namespace
}  // namespace thidua::testing
