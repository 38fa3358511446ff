// Bad input and limits over real sockets: each gets a clear error or a clean close, and the server keeps
// serving everyone else and loses nothing.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "tests/api/api_support.h"
#include "tests/api/raw_socket.h"
#include "tests/domain/commands.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

namespace wire = api::pb;

class api_limits_on_demo : public demo_server_test {};

TEST_F(api_limits_on_demo,
       malformed_frames_wrong_types_and_bad_subscriptions_get_clear_errors_and_the_connection_stays) {
  ws_client c(server.port(), tokens.at("MEMBER CA-SonLa"));
  ASSERT_TRUE(c.open());
  auto expect_error = [&](const std::string& json, const std::string& code, const std::string& field) {
    c.send_text(json);
    auto r = c.receive();
    ASSERT_TRUE(r.has_value()) << json;
    ASSERT_TRUE(r->has_error()) << json << " → " << r->DebugString();
    EXPECT_EQ(r->error().code(), code) << json;
    EXPECT_EQ(r->error().field(), field) << json;
    EXPECT_FALSE(r->error().message_vi().empty());
  };
  expect_error(R"({"request_id":"1","subscribe":{"from_position":"abc"}})", "MALFORMED_FRAME",
               "subscribe.from_position");
  expect_error(R"({"request_id":"2","nope":{}})", "MALFORMED_FRAME", "nope");
  expect_error(R"({"request_id":"3","ping":{},"extra":1})", "MALFORMED_FRAME", "extra");
  expect_error(R"({"request_id":"4"})", "MISSING_FIELD", "body");
  expect_error(R"({"request_id":"5","subscribe":{"subscription_id":"a b"}})", "INVALID_FIELD",
               "subscribe.subscription_id");
  expect_error(R"({"request_id":"6","subscribe":{"subscription_id":"s","series":"dia-phuong"}})",
               "INVALID_FIELD", "subscribe.organizer_id");
  expect_error(
      R"({"request_id":"7","subscribe":{"subscription_id":"s","organizer_id":"BCA","series":"x","number":"IIII0"}})",
      "INVALID_FIELD", "subscribe.number");
  expect_error(R"({"request_id":"8","subscribe":{"subscription_id":"s","from_position":"999999"}})",
               "INVALID_FIELD", "subscribe.from_position");
  expect_error(R"({"request_id":"9","subscribe":{"subscription_id":"s","event_types":["Bogus"]}})",
               "INVALID_FIELD", "subscribe.event_types");
  expect_error(R"({"request_id":"10","query":{}})", "MISSING_FIELD", "query.what");
  expect_error(
      R"({"request_id":"11","query":{"get_cycle":{"organizer_id":"BCA","series":"dia-phuong","year":1999,"number":"2"}}})",
      "INVALID_FIELD", "get_cycle.year");
  expect_error(R"({"request_id":"12","unsubscribe":{"subscription_id":"none"}})", "NOT_FOUND",
               "unsubscribe.subscription_id");
  expect_error(R"({"request_id":"13","command":{"command_id":"x"}})", "MISSING_FIELD", "command.target");
  wire::ClientFrame garbage;
  c.send(garbage);  // an empty binary frame is a ClientFrame with nothing in it
  auto r = c.receive();
  ASSERT_TRUE(r && r->has_error());
  EXPECT_EQ(r->error().code(), "MISSING_FIELD");
  EXPECT_TRUE(c.request(ping_frame()).has_pong()) << "the connection stays after every refusal";
  // A valid message far larger than one read of the server (it reads a message in 512-byte pieces).
  c.send_text(R"({"request_id":"14",)" + std::string(20'000, ' ') + R"("ping":{}})");
  auto big = c.receive();
  ASSERT_TRUE(big.has_value());
  EXPECT_TRUE(big->has_pong()) << big->DebugString();
  EXPECT_EQ(big->request_id(), "14");
  const int status = server.terminate();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server.output();
}

TEST(api_limits, a_flood_of_frames_is_rate_limited_then_closed_and_others_are_served) {
  temp_dir dir;
  server_process server(dir.sub("data"), {"--max-frames-per-second", "20"});
  ASSERT_GT(server.port(), 0) << server.output();
  const auto tokens = demo_tokens(dir.sub("data"));
  ws_client flood(server.port(), tokens.at("MEMBER CA-SonLa"));
  // 50 at once: the burst (twice the rate) passes, the rest is refused; the first ten refusals are answered.
  for (int i = 0; i < 50; ++i) {
    wire::ClientFrame f = ping_frame();
    f.set_request_id(std::to_string(i));
    flood.send(f);
  }
  // At most ten are refused (the burst is 40), so every frame gets an answer.
  int pongs = 0, limited = 0;
  while (pongs + limited < 50) {
    auto r = flood.receive(std::chrono::seconds(5));
    if (!r) break;
    if (r->has_pong()) ++pongs;
    if (r->has_error() && r->error().code() == "RATE_LIMITED") {
      ++limited;
      EXPECT_GE(std::stoi(r->request_id()), 40) << "the refusal names the refused request";
    }
  }
  EXPECT_EQ(flood.close_code(), 0) << "not closed while at most the rate was refused";
  EXPECT_GE(pongs, 40);
  EXPECT_LE(pongs, 45) << "a burst of twice the rate passes, not more";
  EXPECT_EQ(pongs + limited, 50) << "each refusal answered, up to ten";
  // Keep flooding: more refused within ten seconds than the rate allows per second closes it with 1008.
  for (int i = 0; i < 200; ++i) flood.send(ping_frame());
  int answered = 0;
  while (auto r = flood.receive(std::chrono::seconds(5)))
    if (r->has_error() && r->error().code() == "RATE_LIMITED") ++answered;
  EXPECT_EQ(flood.close_code(), 1008);
  EXPECT_LE(limited + answered, 10) << "no reply is spent on a known flood";
  ws_client other(server.port(), tokens.at("MEMBER CA-LaoCai"));
  EXPECT_TRUE(other.request(ping_frame()).has_pong()) << "everyone else is still served";
  const auto metrics = http_get(server.port(), "/metrics");
  EXPECT_GE(metric_value(metrics, "thidua_frames_rate_limited_total").value_or(0), std::max(limited, 1))
      << metrics;
}

// The server's resident memory, in KiB.
long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return -1;
}

// docs/api.md: a client that leaves more than 256 replies unread is disconnected, so what it makes the server
// hold stays bounded. Here it asks for the list of units (kilobytes per reply) over and over and reads
// nothing: kept, the replies would take far more memory than the bound allows.
TEST(api_limits, a_client_that_leaves_256_replies_unread_is_disconnected_and_memory_stays_bounded) {
  temp_dir dir;
  // Freed memory is reused at once (AddressSanitizer would otherwise hold up to 256 MiB of it in quarantine,
  // resident: the server's RSS would say nothing). Other builds ignore the variable.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string asan_before = asan ? asan : "";
  ::setenv("ASAN_OPTIONS", (asan_before + (asan_before.empty() ? "" : ":") + "quarantine_size_mb=0").c_str(),
           1);
  server_process server(dir.sub("data"), {"--max-frames-per-second", "1000000", "--send-buffer", "4096"});
  if (asan_before.empty())
    ::unsetenv("ASAN_OPTIONS");
  else
    ::setenv("ASAN_OPTIONS", asan_before.c_str(), 1);
  ASSERT_GT(server.port(), 0) << server.output();
  const auto tokens = demo_tokens(dir.sub("data"));
  const std::string query = R"({"request_id":"q","query":{"list_units":{}}})";
  // The units once the read models hold the demo data (a query with at_least_position waits up to 5 s each).
  const auto head = metric_value(http_get(server.port(), "/metrics"), "thidua_log_head").value_or(0);
  const std::string probe_query = R"({"request_id":"p","query":{"at_least_position":")" +
                                  std::to_string(static_cast<std::uint64_t>(head)) + R"(","list_units":{}}})";
  std::size_t reply_bytes = 0;
  for (int i = 0; i < 12 && reply_bytes <= 1000; ++i) {
    ws_client probe(server.port(), tokens.at("MEMBER CA-SonLa"));
    probe.send_text(probe_query);
    auto reply = probe.receive_raw(std::chrono::seconds(10));
    ASSERT_TRUE(reply);
    if (reply->find(R"("units")") != std::string::npos) reply_bytes = reply->size();
  }
  ASSERT_GT(reply_bytes, 1000u);
  // Enough requests that their replies, all kept, would be 384 MiB.
  const std::size_t requests = (384u << 20) / reply_bytes;
  const long before = rss_kib(server.pid());
  const int fd = raw_websocket(server.port(), "Bearer " + tokens.at("MEMBER CA-SonLa"));
  ASSERT_GE(fd, 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  std::string burst;
  for (std::size_t i = 0; i < requests; ++i) burst += masked_frame(1, query);
  send_all(fd, burst);  // stops early once the server has closed the connection
  // What comes back before the close: the replies the kernel's buffers took and the 256 queued, no more.
  timeval tv{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::size_t received = 0;
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) received += static_cast<std::size_t>(n);
  EXPECT_NE(errno, EAGAIN) << "the server kept the connection of a client that reads nothing";
  EXPECT_LT(received / reply_bytes, requests / 4)
      << "most requests were never answered: the connection closed";
  ::close(fd);
  const long after = rss_kib(server.pid());
  // A third of what keeping them would take: room for the allocator's caches and the kernel's buffers.
  EXPECT_LT(after - before, 128 * 1024)
      << "RSS " << before << " KiB before, " << after << " KiB after; " << requests << " replies of "
      << reply_bytes << " bytes would be " << requests * reply_bytes / 1024 << " KiB";
  ws_client other(server.port(), tokens.at("MEMBER CA-LaoCai"));
  EXPECT_TRUE(other.request(ping_frame()).has_pong()) << "everyone else is still served";
}

TEST(api_limits, subscriptions_and_connections_are_capped_with_clear_errors) {
  temp_dir dir;
  server_process server(dir.sub("data"), {"--max-subscriptions", "2", "--max-connections", "3"});
  ASSERT_GT(server.port(), 0) << server.output();
  const auto tokens = demo_tokens(dir.sub("data"));
  ws_client a(server.port(), tokens.at("MEMBER CA-SonLa"));
  EXPECT_TRUE(a.request(subscribe_frame("one", 0)).has_subscribed());
  EXPECT_TRUE(a.request(subscribe_frame("two", 0)).has_subscribed());
  auto third = a.request(subscribe_frame("three", 0));
  ASSERT_TRUE(third.has_error());
  EXPECT_EQ(third.error().code(), "TOO_MANY_SUBSCRIPTIONS");
  wire::ClientFrame un;
  un.mutable_unsubscribe()->set_subscription_id("one");
  EXPECT_TRUE(a.request(un).has_unsubscribed());
  EXPECT_TRUE(a.request(subscribe_frame("three", 0)).has_subscribed()) << "room again after unsubscribing";

  ws_client b(server.port(), tokens.at("MEMBER CA-LaoCai"));
  ws_client c(server.port(), tokens.at("MEMBER CA-HaGiang"));
  ASSERT_TRUE(b.open() && c.open());
  const std::string refused = http_get(server.port(), "/healthz");
  EXPECT_NE(refused.find("HTTP/1.1 503"), std::string::npos) << refused;
  EXPECT_NE(refused.find("TOO_MANY_CONNECTIONS"), std::string::npos) << refused;
  EXPECT_NE(refused.find("\r\nRetry-After: "), std::string::npos)
      << "docs/api.md: retry, Retry-After says when";
  ws_client d(server.port(), tokens.at("MEMBER CA-CaoBang"));
  EXPECT_FALSE(d.open()) << "the fourth WebSocket is refused";
  c.close();
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    served = http_get(server.port(), "/healthz").find("HTTP/1.1 200") != std::string::npos;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served) << "a closed connection frees its slot";
  EXPECT_TRUE(a.request(ping_frame()).has_pong());
}

TEST(api_limits, half_open_idle_connections_are_closed_after_the_idle_timeout) {
  temp_dir dir;
  server_process server(dir.sub("data"), {"--idle-timeout", "1", "--no-demo"});
  ASSERT_GT(server.port(), 0) << server.output();
  // A TCP connection that never sends a request.
  int silent = connect_raw(server.port());
  ASSERT_GE(silent, 0);
  EXPECT_LT(seconds_until_closed(silent, 30), 15.0) << "--idle-timeout 1 (room for a slow machine)";
  ::close(silent);
  // A WebSocket whose peer stops reading and never answers the server's pings.
  int ws = connect_raw(server.port());
  const std::string upgrade =
      "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  ASSERT_EQ(::send(ws, upgrade.data(), upgrade.size(), MSG_NOSIGNAL), static_cast<ssize_t>(upgrade.size()));
  EXPECT_LT(seconds_until_closed(ws, 30), 15.0);
  ::close(ws);
  EXPECT_NE(http_get(server.port(), "/healthz").find("HTTP/1.1 200"), std::string::npos);
}

TEST(api_limits, a_missing_or_revoked_token_is_refused_and_the_connection_closed_1008) {
  temp_dir dir;
  const std::string db = dir.sub("data");
  const auto secrets = issue_tokens(db, {{"tk-member", "CA-SonLa", "MEMBER", "", {}}});
  {
    server_process server(db, {"--no-demo"});
    ws_client anonymous(server.port());
    auto r = anonymous.request(ping_frame());
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code(), "UNAUTHENTICATED");
    EXPECT_FALSE(anonymous.receive(std::chrono::seconds(5)).has_value());
    EXPECT_EQ(anonymous.close_code(), 1008);
    ws_client member(server.port(), secrets[0]);
    EXPECT_TRUE(member.request(ping_frame()).has_pong());
    EXPECT_EQ(server.terminate(), 0);
  }
  revoke_token(db, "tk-member");
  server_process server(db, {"--no-demo"});
  ws_client revoked(server.port(), secrets[0]);
  auto r = revoked.request(ping_frame());
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), "UNAUTHENTICATED");
  auto http = http_get(server.port(), "/v1/units", secrets[0]);
  EXPECT_NE(http.find("HTTP/1.1 401"), std::string::npos) << http;
}

TEST(api_limits, a_subscriber_that_does_not_read_leaves_events_in_the_log_and_later_gets_all_of_them) {
  temp_dir dir;
  server_process server(dir.sub("data"), {"--max-frames-per-second", "100000"});
  ASSERT_GT(server.port(), 0) << server.output();
  const auto tokens = demo_tokens(dir.sub("data"));
  // A tiny receive buffer: the kernel cannot soak up the backlog for the slow reader.
  ws_client slow(server.port(), tokens.at("MEMBER CA-PhuTho"), 4096);
  auto sub = slow.request(subscribe_frame("slow", 1));
  ASSERT_TRUE(sub.has_subscribed());
  ws_client writer(server.port(), tokens.at("MEMBER CA-BacNinh"));
  const int commands = 4000;
  std::uint64_t last_position = 0;
  for (int i = 0; i < commands; ++i) {
    domain::pb::Command c;
    *c.mutable_cycle() = cmd::key("BCA", "dia-phuong", "4", 2024);
    auto* a = c.mutable_activity();
    a->set_date("2024-05-01");
    a->set_kind("sports_meet");
    a->set_description("Hội thao lần " + std::to_string(i));
    wire::ClientFrame f = command_frame("act-" + std::to_string(i), c);
    f.set_request_id(std::to_string(i));
    writer.send(f);
    if (i % 64 == 63 || i == commands - 1) {  // 64 in flight at a time
      for (int k = 0; k < (i % 64) + 1; ++k) {
        auto r = writer.receive();
        ASSERT_TRUE(r && r->has_accepted()) << (r ? r->DebugString() : "no reply");
        last_position = std::max(last_position, r->accepted().last_position());
      }
    }
  }
  const std::string metrics = http_get(server.port(), "/metrics");
  const auto lag = metric_value(metrics, "thidua_subscription_lag_events");
  ASSERT_TRUE(lag) << metrics;
  EXPECT_GT(*lag, 1024) << "more than a queue's worth waits in the log, not in memory";
  // Now it reads: every event it may read, from position 1, in order, up to the last one written.
  std::vector<std::uint64_t> seen;
  while (seen.empty() || seen.back() < last_position) {
    auto f = slow.receive(std::chrono::seconds(20));
    ASSERT_TRUE(f.has_value()) << "after " << seen.size() << " events";
    if (f->has_event()) seen.push_back(f->event().event().position());
  }
  for (const auto& f : slow.backlog)
    if (f.has_event()) ADD_FAILURE() << "an event before the subscription was confirmed";
  ASSERT_GE(seen.size(), static_cast<std::size_t>(commands));
  for (std::size_t i = 1; i < seen.size(); ++i) ASSERT_LT(seen[i - 1], seen[i]) << "in order, no duplicate";
  EXPECT_EQ(std::count_if(seen.begin(), seen.end(), [&](std::uint64_t p) { return p > seen.front(); }) + 1,
            static_cast<long>(seen.size()));
  wire::ClientFrame all;
  all.mutable_query()->mutable_read_log()->set_from_position(1);
  std::vector<std::uint64_t> expected;
  for (std::uint64_t from = 1; from != 0;) {
    all.mutable_query()->mutable_read_log()->set_from_position(from);
    auto page = slow.request(all);
    ASSERT_TRUE(page.has_result());
    for (const auto& e : page.result().events()) expected.push_back(e.position());
    from = page.result().next_position();
  }
  EXPECT_EQ(seen, expected) << "exactly what the log holds that Phú Thọ may read";
}

}  // namespace
}  // namespace thidua::testing

namespace thidua::testing {
namespace {

TEST_F(api_limits_on_demo, a_query_still_waiting_for_the_read_models_is_answered_when_the_server_stops) {
  // Over WebSocket: a connection's frames are handled in order, so the pong after the query says it is
  // parked.
  ws_client ws(server.port(), tokens.at("MEMBER CA-SonLa"));
  auto parked = get_cycle_frame(2024, "4", 999999);
  parked.set_request_id("parked");
  ws.send(parked);
  ASSERT_TRUE(ws.request(ping_frame()).has_pong());
  // Over HTTP: the request is in once the server counts its connection (the /metrics request is the other).
  std::string answer;
  std::thread waiting([&] {
    answer = http_get(server.port(), "/v1/cycles?at_least_position=999999", tokens.at("MEMBER CA-SonLa"));
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (metric_value(http_get(server.port(), "/metrics"), "thidua_http_connections").value_or(0) < 2 &&
         std::chrono::steady_clock::now() < deadline) {
  }
  ::kill(server.pid(), SIGTERM);
  std::optional<wire::ServerFrame> reply;
  while (auto f = ws.receive(std::chrono::seconds(10)))
    if (f->request_id() == "parked") reply = f;
  ASSERT_TRUE(reply) << "the parked query got no answer before the close";
  EXPECT_EQ(reply->error().code(), "READ_MODEL_BEHIND") << reply->DebugString();
  EXPECT_EQ(ws.close_code(), 1001);
  waiting.join();
  EXPECT_NE(answer.find("HTTP/1.1 503"), std::string::npos) << answer;
  EXPECT_NE(answer.find("READ_MODEL_BEHIND"), std::string::npos) << answer;
  const int status = server.wait_for_exit();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server.output();
}

}  // namespace
}  // namespace thidua::testing
