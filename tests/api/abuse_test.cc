// What an attacker tries over the documented API, replayed over real sockets against the real server: floods,
// connections that never authenticate, frames trickled a byte at a time, malformed input. Each is refused
// with a clear answer or a close the documentation names, and everyone else stays served.

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "tests/api/api_support.h"
#include "tests/api/raw_socket.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

namespace wire = api::pb;

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// The value of a counter in the server's /metrics; -1 when it is not there.
long metric(int port, const std::string& name) {
  return static_cast<long>(metric_value(http_get(port, "/metrics"), name).value_or(-1));
}

class abuse_on_demo : public demo_server_test {};

TEST_F(abuse_on_demo, five_thousand_pings_in_one_write_get_ten_refusals_then_a_close_1008) {
  const int fd = raw_websocket(server.port(), "Bearer " + tokens.at("MEMBER CA-SonLa"));
  ASSERT_GE(fd, 0);
  std::string burst;
  for (int i = 0; i < 5000; ++i)
    burst += masked_frame(1, R"({"request_id":"p)" + std::to_string(i) + R"(","ping":{}})");
  send_all(fd, burst);
  const auto frames = read_frames(fd, std::chrono::seconds(20));
  ::close(fd);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().opcode, 8) << "the server closes the connection";
  EXPECT_EQ(frames.back().close_code(), 1008);
  std::size_t pongs = 0, limited = 0;
  for (const auto& f : frames) {
    pongs += count(f.payload, R"("pong")");
    if (f.payload.find("RATE_LIMITED") == std::string::npos) continue;
    ++limited;
    EXPECT_NE(f.payload.find(R"("request_id":"p)"), std::string::npos) << f.payload;
  }
  // The burst (twice the default 200 per second) passes, and what refills while the server reads the rest.
  EXPECT_LT(pongs, 600u);
  EXPECT_GE(pongs, 400u);
  EXPECT_EQ(limited, 10u) << "ten refusals are answered, the rest of the flood is not";
  EXPECT_EQ(metric(server.port(), "thidua_closed_for_flooding_total"), 1);
  ws_client other(server.port(), tokens.at("MEMBER CA-LaoCai"));
  EXPECT_TRUE(other.request(ping_frame()).has_pong()) << "everyone else is still served";
}

TEST(abuse, unauthenticated_websockets_have_their_own_limit_and_deadline_and_healthz_stays_served) {
  temp_dir dir;
  server_process server(dir.sub("data"),
                        {"--max-connections", "50", "--max-unauthenticated", "5", "--auth-timeout", "2"});
  ASSERT_GT(server.port(), 0) << server.output();
  const auto tokens = demo_tokens(dir.sub("data"));
  std::vector<std::unique_ptr<ws_client>> anonymous;
  for (int i = 0; i < 5; ++i) {
    anonymous.push_back(std::make_unique<ws_client>(server.port()));
    ASSERT_TRUE(anonymous.back()->open()) << i;
  }
  std::string answer;
  EXPECT_LT(raw_websocket(server.port(), "", &answer), 0) << "a sixth connection without a token is refused";
  EXPECT_NE(answer.find("HTTP/1.1 503"), std::string::npos) << answer;
  EXPECT_NE(answer.find("TOO_MANY_UNAUTHENTICATED"), std::string::npos) << answer;
  EXPECT_NE(http_get(server.port(), "/healthz").find("HTTP/1.1 200"), std::string::npos);
  ws_client member(server.port(), tokens.at("MEMBER CA-SonLa"));
  ASSERT_TRUE(member.open()) << "a connection with a token in its header is not counted against the limit";
  EXPECT_TRUE(member.request(ping_frame()).has_pong());
  // An auth frame frees the slot at once.
  wire::ClientFrame auth;
  auth.mutable_auth()->set_token(tokens.at("MEMBER CA-LaoCai"));
  ASSERT_TRUE(anonymous[0]->request(auth).has_auth_ok());
  const int sixth = raw_websocket(server.port(), "");
  EXPECT_GE(sixth, 0) << "room again after one authenticated";
  // The others never authenticate: told so and closed with 1008 at the deadline, however they keep the
  // connection alive.
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 1; i < anonymous.size(); ++i) {
    auto r = anonymous[i]->receive(std::chrono::seconds(10));
    ASSERT_TRUE(r.has_value()) << i;
    ASSERT_TRUE(r->has_error());
    EXPECT_EQ(r->error().code(), "UNAUTHENTICATED");
    EXPECT_FALSE(anonymous[i]->receive(std::chrono::seconds(5)).has_value());
    EXPECT_EQ(anonymous[i]->close_code(), 1008);
  }
  // --auth-timeout 2: room for a slow 2-core machine, below the default 10 s.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(8));
  const auto closing = read_frames(sixth, std::chrono::seconds(10));
  ::close(sixth);
  ASSERT_FALSE(closing.empty());
  EXPECT_EQ(closing.back().close_code(), 1008);
  EXPECT_TRUE(anonymous[0]->request(ping_frame()).has_pong()) << "the authenticated one stays";
  EXPECT_EQ(metric(server.port(), "thidua_closed_unauthenticated_total"), 5);
  EXPECT_EQ(metric(server.port(), "thidua_unauthenticated_refused_total"), 1);
}

TEST(abuse, a_connection_that_never_completes_its_first_request_is_closed_at_the_auth_timeout) {
  temp_dir dir;
  server_process server(dir.sub("data"), {"--no-demo", "--auth-timeout", "1"});
  ASSERT_GT(server.port(), 0) << server.output();
  const int silent = connect_raw(server.port());
  ASSERT_GE(silent, 0);
  EXPECT_LT(seconds_until_closed(silent, 30), 8.0)
      << "the 1 s auth timeout, not the default 10 s or the idle 60 s";
  ::close(silent);
  // Half a request, then nothing.
  const int half = connect_raw(server.port());
  ASSERT_GE(half, 0);
  send_all(half, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
  EXPECT_LT(seconds_until_closed(half, 30), 8.0);
  ::close(half);
  EXPECT_NE(http_get(server.port(), "/healthz").find("HTTP/1.1 200"), std::string::npos);
}

TEST(abuse, a_frame_trickled_a_byte_at_a_time_is_cut_off_by_the_frame_timeout) {
  temp_dir dir;
  server_process server(dir.sub("data"), {"--frame-timeout", "1"});
  ASSERT_GT(server.port(), 0) << server.output();
  const auto tokens = demo_tokens(dir.sub("data"));
  const std::string frame = masked_frame(1, R"({"request_id":"slow","ping":{}})");
  // The same frame sent at once is answered.
  const int quick = raw_websocket(server.port(), "Bearer " + tokens.at("MEMBER CA-SonLa"));
  ASSERT_GE(quick, 0);
  send_all(quick, frame);
  const auto answered = read_frames(quick, std::chrono::seconds(5), 1);
  ::close(quick);
  ASSERT_FALSE(answered.empty());
  EXPECT_NE(answered.front().payload.find("pong"), std::string::npos);
  // A byte every 250 ms: it would take ~10 s to arrive; every byte is progress, so no idle timeout helps.
  const int slow = raw_websocket(server.port(), "Bearer " + tokens.at("MEMBER CA-LaoCai"));
  ASSERT_GE(slow, 0);
  const auto start = std::chrono::steady_clock::now();
  std::vector<raw_frame> got;
  for (std::size_t i = 0; i < frame.size() && got.empty(); ++i) {
    send_all(slow, frame.substr(i, 1));
    got = read_frames(slow, std::chrono::milliseconds(250));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(slow);
  ASSERT_FALSE(got.empty()) << "closed before the whole frame arrived";
  EXPECT_EQ(got.back().close_code(), 1008);
  EXPECT_LT(seconds, 8.0) << "--frame-timeout 1; the default 10 s would be later";
  EXPECT_EQ(metric(server.port(), "thidua_closed_slow_frame_total"), 1);
}

TEST_F(abuse_on_demo, a_malformed_stream_id_is_an_invalid_field_over_http_and_websocket) {
  const std::string office = tokens.at("ORGANIZER_OFFICE BCA-X03");
  const std::string http = http_get(server.port(), "/v1/streams/cycles/BCA/a%20b", office);
  EXPECT_NE(http.find("HTTP/1.1 400"), std::string::npos) << http;
  EXPECT_NE(http.find(R"("code":"INVALID_FIELD")"), std::string::npos) << http;
  EXPECT_NE(http.find(R"("field":"read_stream.stream_id")"), std::string::npos) << http;
  ws_client c(server.port(), office);
  wire::ClientFrame q;
  q.mutable_query()->mutable_read_stream()->set_stream_id("cycles/BCA/a b");
  auto r = c.request(q);
  ASSERT_TRUE(r.has_error()) << r.DebugString();
  EXPECT_EQ(r.error().code(), "INVALID_FIELD");
  EXPECT_EQ(r.error().field(), "read_stream.stream_id");
}

TEST_F(abuse_on_demo, refused_frames_echo_their_request_id_and_name_the_field) {
  ws_client c(server.port(), tokens.at("MEMBER CA-SonLa"));
  auto expect_malformed = [&](const std::string& json, const std::string& request_id,
                              const std::string& field) {
    c.send_text(json);
    auto r = c.receive();
    ASSERT_TRUE(r.has_value()) << json;
    ASSERT_TRUE(r->has_error()) << json << " → " << r->DebugString();
    EXPECT_EQ(r->error().code(), "MALFORMED_FRAME") << json;
    EXPECT_EQ(r->request_id(), request_id) << json;
    EXPECT_EQ(r->error().field(), field) << json;
  };
  expect_malformed(R"({"request_id":"m1","query":{"list_cycles":{"organiser_id":"BCA"}}})", "m1",
                   "list_cycles.organiser_id");
  expect_malformed(R"({"request_id":"m2","query":{"read_log":{"backward":"yes"}}})", "m2",
                   "read_log.backward");
  expect_malformed(R"({"request_id":"m3","query":{"read_log":{"backward":"true"}}})", "m3",
                   "read_log.backward");
  expect_malformed(R"({"request_id":"m4","query":{"read_log":{"limit":"many"}}})", "m4", "read_log.limit");
  expect_malformed(R"({"request_id":"m5","ping":{}, "extra":1})", "m5", "extra");
  expect_malformed(R"({"request_id":"m6","ping":{})", "", "frame");  // not JSON: no id to be found
  c.send_text(R"({"request_id":"m1msg","query":{"list_cycles":{"organiser_id":"BCA"}}})");
  auto worded = c.receive();
  ASSERT_TRUE(worded && worded->has_error());
  EXPECT_EQ(worded->error().message(), "list_cycles.organiser_id: unknown field");
  // Booleans as booleans are read.
  c.send_text(R"({"request_id":"ok","query":{"read_log":{"backward":true,"limit":1}}})");
  auto ok = c.receive();
  ASSERT_TRUE(ok.has_value());
  EXPECT_TRUE(ok->has_result()) << ok->DebugString();
  // A binary frame broken after its request_id (field 1) still gets its id back.
  wire::ClientFrame frame;
  frame.set_request_id("b1");
  frame.mutable_ping();
  std::string bytes = frame.SerializeAsString() + "\xff\xff\xff";
  const int fd = raw_websocket(server.port(), "Bearer " + tokens.at("MEMBER CA-LaoCai"));
  ASSERT_GE(fd, 0);
  send_all(fd, masked_frame(2, bytes));
  const auto frames = read_frames(fd, std::chrono::seconds(5), 1);
  ::close(fd);
  ASSERT_FALSE(frames.empty());
  wire::ServerFrame reply;
  ASSERT_TRUE(reply.ParseFromString(frames.front().payload));
  EXPECT_EQ(reply.error().code(), "MALFORMED_FRAME");
  EXPECT_EQ(reply.request_id(), "b1");
}

TEST_F(abuse_on_demo, the_bearer_scheme_is_case_insensitive_over_http_and_websocket) {
  const std::string token = tokens.at("MEMBER CA-SonLa");
  const std::string http = http_exchange(
      server.port(), "GET /v1/units HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: bearer " +
                         token + "\r\n\r\n");
  EXPECT_NE(http.find("HTTP/1.1 200"), std::string::npos) << http.substr(0, 300);
  const int fd = raw_websocket(server.port(), "BEARER " + token);
  ASSERT_GE(fd, 0);
  send_all(fd, masked_frame(1, R"({"request_id":"p","ping":{}})"));
  const auto frames = read_frames(fd, std::chrono::seconds(5), 1);
  ::close(fd);
  ASSERT_FALSE(frames.empty());
  EXPECT_NE(frames.front().payload.find("pong"), std::string::npos) << frames.front().payload;
  const std::string wrong = http_exchange(
      server.port(),
      "GET /v1/units HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic " + token + "\r\n\r\n");
  EXPECT_NE(wrong.find("HTTP/1.1 401"), std::string::npos) << "another scheme is not a bearer token";
}

TEST(abuse, a_start_after_a_crash_says_how_many_records_it_reindexed) {
  temp_dir dir;
  const std::string data = dir.sub("data");
  {
    server_process first(data);  // writes the demo data, then dies by SIGKILL (its destructor)
    ASSERT_GT(first.port(), 0) << first.output();
  }
  server_process second(data);
  ASSERT_GT(second.port(), 0) << second.output();
  EXPECT_NE(second.output().find("recovered from an unclean stop: re-indexed "), std::string::npos)
      << second.output();
  EXPECT_EQ(second.terminate(), 0);
  server_process third(data);
  ASSERT_GT(third.port(), 0) << third.output();
  EXPECT_EQ(third.output().find("recovered from an unclean stop"), std::string::npos)
      << "a clean stop needs no recovery: " << third.output();
}

// A handler that gives up on a connection says so in one line naming the connection, so an operator can tell
// a misbehaving client from a quiet one.
TEST_F(abuse_on_demo, a_connection_the_server_gives_up_on_is_logged_with_its_address) {
  const int ws = raw_websocket(server.port(), "Bearer " + tokens.at("MEMBER CA-SonLa"));
  ASSERT_GE(ws, 0);
  send_all(ws, std::string("\x81\x05hello"));  // a client frame without a mask breaks the protocol
  read_frames(ws, std::chrono::seconds(5));
  ::close(ws);
  const int http = connect_raw(server.port());
  ASSERT_GE(http, 0);
  send_all(http, "NOT HTTP AT ALL\r\n\r\n");
  seconds_until_closed(http, 5);
  ::close(http);
  server.terminate();
  const std::string& log = server.output();
  EXPECT_NE(log.find("websocket 127.0.0.1:"), std::string::npos) << log;
  EXPECT_NE(log.find(": read: "), std::string::npos) << log;
  EXPECT_NE(log.find("http 127.0.0.1:"), std::string::npos) << log;
}

}  // namespace
}  // namespace thidua::testing
