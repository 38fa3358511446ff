#pragma once
// What the API tests share: the real thidua-server as a child process on 127.0.0.1 (port 0), tokens issued
// into its data dir before it starts, plain HTTP exchanges, and a blocking WebSocket client on Beast.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/wire/proto/wire.pb.h"
#include "tests/support/test_support.h"

namespace thidua::testing {

// Which program a server_process runs: thidua-server unless `path` names another (e.g. the power-cut server),
// with `leading_args` before the server's own.
struct server_program {
  std::string path;
  std::vector<std::string> leading_args;
};

class server_process {
 public:
  // Waits (at most a minute) for the server to say where it listens; port() stays 0 if it did not.
  server_process(const std::string& data_dir, std::vector<std::string> extra_args = {},
                 server_program program = {});
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  int port() const { return port_; }
  // SIGTERM, then the exit status; output() has everything the server wrote.
  int terminate();
  // The exit status once the server exits on its own (within a minute, else it is killed and the test fails).
  int wait_for_exit();
  const std::string& output() const { return output_; }
  // Reads the server's output until it holds `text`; false if it did not within `timeout`.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  // Reads what the server wrote, waiting until `deadline` at most; false at its end or the deadline.
  bool read_more(
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());
  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
  std::string output_;
};

struct token_spec {
  std::string token_id, unit_id, role, organizer_id;
  std::vector<std::string> readable_stream_prefixes;
};
// Issues tokens into the log at `data_dir` (the server must not be running); returns their secrets in order.
std::vector<std::string> issue_tokens(const std::string& data_dir, const std::vector<token_spec>& specs);
// Revokes a token in the log at `data_dir` (the server must not be running).
void revoke_token(const std::string& data_dir, const std::string& token_id);

// The demo tokens a server wrote into its data dir, by "ROLE UNIT" (e.g. "MEMBER CA-SonLa").
std::map<std::string, std::string> demo_tokens(const std::string& data_dir);

// The setup most API tests start from: a fresh data dir, the server on its demo data, its demo tokens. As a
// fixture: `class my_suite : public demo_server_test {};` then TEST_F(my_suite, …) reads dir, server, tokens
// (by "ROLE UNIT", e.g. "MEMBER CA-SonLa").
class demo_server_test : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GT(server.port(), 0) << server.output(); }
  temp_dir dir;
  server_process server{dir.sub("data")};
  const std::map<std::string, std::string> tokens = demo_tokens(dir.sub("data"));
};

// One HTTP exchange on a fresh connection; returns the whole response ("" if the connection failed).
std::string http_exchange(int port, const std::string& request);
std::string http_get(int port, const std::string& target, const std::string& token = {});
std::string http_post(int port, const std::string& target, const std::string& body,
                      const std::string& token = {});
// The status code of an HTTP response (0 when it has none).
unsigned http_status(const std::string& response);
// The body of an HTTP response ("" when it has none).
std::string http_body(const std::string& response);
// A 200 response's body as a QueryResult (the test fails otherwise).
api::pb::QueryResult http_query_result(const std::string& response);
// Every entry of GET /v1/audit?<params> with `token`, `limit` a page, following next_position to the end.
std::vector<api::pb::AuditEntry> http_audit_pages(int port, const std::string& token,
                                                  const std::string& params, int limit,
                                                  bool backward = false);
// The value of one series in a /metrics body (`name` or `name{labels}`, exactly as printed); nullopt when the
// body has no such line.
std::optional<double> metric_value(const std::string& metrics_body, const std::string& series);

// A blocking WebSocket client of /v1/ws. Frames go binary (protobuf) unless sent as text.
class ws_client {
 public:
  // receive_buffer: the socket's receive buffer in bytes (0 = the system's), small to make a slow reader.
  explicit ws_client(int port, const std::string& bearer_token = {}, int receive_buffer = 0);
  bool open() const { return open_; }
  void send(const api::pb::ClientFrame& f);
  void send_text(const std::string& json);
  // The next frame, binary or JSON; nullopt on timeout or close (close_code() then says which).
  std::optional<api::pb::ServerFrame> receive(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::optional<std::string> receive_raw(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends and returns the reply with the same request id; frames that came first (events) go to backlog.
  api::pb::ServerFrame request(api::pb::ClientFrame f,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::deque<api::pb::ServerFrame> backlog;
  int close_code() const { return close_code_; }
  void close();

 private:
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  bool open_ = false;
  int close_code_ = 0;
  int next_id_ = 1;
};

// The real `thidua` at `program` with `args`, `env` ("NAME=value …") in front of it and HOME a fresh temp
// dir (no THIDUA_* from the caller's environment).
struct cli_run {
  int status = -1;
  std::string out;  // standard output
  std::string err;  // standard error
};
cli_run run_cli(const std::string& program, const std::string& args, const std::string& env = "");

api::pb::ClientFrame command_frame(const std::string& command_id, const google::protobuf::Message& command);
api::pb::ClientFrame ping_frame();
// A subscription to everything the token may read, from `from` (0 = from now).
api::pb::ClientFrame subscribe_frame(const std::string& id, std::uint64_t from);
// Registers `units` and defines cluster `number` of BCA's provincial series through `office` (an organizer
// office's connection), as the office does before it opens the cluster's cycle.
void define_cluster(ws_client& office, const std::string& number, const std::vector<std::string>& units);
// The cycle of a BCA "dia-phuong" cluster in `year`, once the read models have applied `at_least_position`.
api::pb::ClientFrame get_cycle_frame(int year, const std::string& number, std::uint64_t at_least_position);

}  // namespace thidua::testing
