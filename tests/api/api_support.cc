#include "tests/api/api_support.h"
#include "tests/api/raw_socket.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <google/protobuf/util/json_util.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "api/app/token_registry.h"
#include "domain/proto/cycle.pb.h"
#include "domain/proto/registry.pb.h"
#include "engine/command_pipeline.h"

namespace thidua::testing {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

server_process::server_process(const std::string& data_dir, std::vector<std::string> extra_args,
                               server_program program) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const std::string path = program.path.empty() ? SERVER_PATH : program.path;
  std::vector<std::string> args = {path};
  args.insert(args.end(), program.leading_args.begin(), program.leading_args.end());
  for (const char* a : {"--port", "0", "--data-dir"}) args.emplace_back(a);
  args.push_back(data_dir);
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  out_ = fds[0];
  // The server names its port in a log line: "listening on http://127.0.0.1:PORT".
  const std::string listening = "://127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (read_more(deadline)) {
    auto at = output_.find("listening on ");
    if (at == std::string::npos) continue;
    at = output_.find(listening, at);
    if (at == std::string::npos) continue;
    auto digits = output_.substr(at + listening.size());
    if (digits.find('\n') == std::string::npos) continue;
    port_ = std::stoi(digits);
    break;
  }
}

server_process::~server_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (out_ >= 0) ::close(out_);
}

int server_process::terminate() {
  ::kill(pid_, SIGTERM);
  return wait_for_exit();
}

int server_process::wait_for_exit() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (read_more(deadline)) {
  }
  if (std::chrono::steady_clock::now() >= deadline) {
    ADD_FAILURE() << "the server did not exit within a minute";
    ::kill(pid_, SIGKILL);
  }
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

bool server_process::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (output_.find(text) == std::string::npos)
    if (!read_more(deadline)) return false;
  return true;
}

bool server_process::read_more(std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  pollfd p{out_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(std::clamp<long>(left.count(), 0, INT32_MAX))) <= 0) return false;
  char buf[4096];
  ssize_t n = ::read(out_, buf, sizeof buf);
  if (n <= 0) return false;
  output_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::vector<std::string> issue_tokens(const std::string& data_dir, const std::vector<token_spec>& specs) {
  auto log = storage::event_log::open(storage::log_options{.path = data_dir});
  EXPECT_TRUE(log);
  if (!log) return {};
  engine::command_pipeline<api::token_decider> tokens(*log.value());
  std::vector<std::string> secrets;
  for (const auto& s : specs) {
    const std::string secret = api::new_token_secret();
    api::pb::TokenCommand c;
    auto* g = c.mutable_issue();
    g->set_token_id(s.token_id);
    g->set_sha256(api::token_hash(secret));
    g->set_unit_id(s.unit_id);
    g->set_person_name("Cán bộ " + s.unit_id);
    g->set_role(s.role);
    g->set_organizer_id(s.organizer_id);
    for (const auto& p : s.readable_stream_prefixes) g->add_readable_stream_prefixes(p);
    auto r = tokens.execute({"issue-" + s.token_id, {"test", nullptr}, c, 0, std::nullopt, {}, {}, "cli"});
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    secrets.push_back(secret);
  }
  return secrets;
}

void revoke_token(const std::string& data_dir, const std::string& token_id) {
  auto log = storage::event_log::open(storage::log_options{.path = data_dir});
  ASSERT_TRUE(log);
  engine::command_pipeline<api::token_decider> tokens(*log.value());
  api::pb::TokenCommand c;
  c.mutable_revoke()->set_token_id(token_id);
  c.mutable_revoke()->set_reason("test");
  // As `thidua token revoke` records it.
  auto r = tokens.execute({"token-revoke-" + token_id, {"test", nullptr}, c, 0, std::nullopt, {}, {}, "cli"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r.value().duplicate) << "the revocation is recorded";
}

std::map<std::string, std::string> demo_tokens(const std::string& data_dir) {
  // One line per token: "role unit token person…"; '#' starts a comment.
  std::map<std::string, std::string> out;
  std::ifstream in(data_dir + "/demo-tokens.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string role, unit, token;
    words >> role >> unit >> token;
    out[role + " " + unit] = token;
  }
  return out;
}

std::string http_exchange(int port, const std::string& request) {
  const int fd = connect_raw(port);
  if (fd < 0) return {};
  send_all(fd, request);
  std::string response;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    response.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return response;
}

std::string http_get(int port, const std::string& target, const std::string& token) {
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  return http_exchange(port, req + "\r\n");
}

std::string http_post(int port, const std::string& target, const std::string& body,
                      const std::string& token) {
  std::string req = "POST " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  return http_exchange(port, req + body);
}

cli_run run_cli(const std::string& program, const std::string& args, const std::string& env) {
  temp_dir scratch;
  const std::string err_file = scratch.sub("stderr");
  cli_run r;
  FILE* p = ::popen(("env -u THIDUA_SERVER -u THIDUA_TOKEN -u THIDUA_TOKEN_FILE -u THIDUA_CONFIG HOME=" +
                     scratch.path() + " " + env + " " + program + " " + args + " 2>" + err_file)
                        .c_str(),
                    "r");
  if (!p) return r;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  r.err.assign(std::istreambuf_iterator<char>(err), {});
  return r;
}

unsigned http_status(const std::string& response) {
  return response.size() > 12 ? static_cast<unsigned>(std::stoul(response.substr(9, 3))) : 0;
}

std::string http_body(const std::string& response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

api::pb::QueryResult http_query_result(const std::string& response) {
  api::pb::QueryResult r;
  EXPECT_NE(response.find("HTTP/1.1 200"), std::string::npos) << response;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(http_body(response), &r).ok()) << response;
  return r;
}

std::vector<api::pb::AuditEntry> http_audit_pages(int port, const std::string& token,
                                                  const std::string& params, int limit, bool backward) {
  std::vector<api::pb::AuditEntry> out;
  std::uint64_t from = 0;
  for (int pages = 0; pages < 1000; ++pages) {
    auto r = http_query_result(http_get(port,
                                        "/v1/audit?" + params + "&limit=" + std::to_string(limit) +
                                            (backward ? "&backward=true" : "") +
                                            (from ? "&from_position=" + std::to_string(from) : ""),
                                        token));
    out.insert(out.end(), r.audit().begin(), r.audit().end());
    if (r.next_position() == 0) break;
    from = r.next_position();
  }
  return out;
}

ws_client::ws_client(int port, const std::string& bearer_token, int receive_buffer) : ws_(ioc_) {
  beast::error_code ec;
  auto& socket = beast::get_lowest_layer(ws_).socket();
  socket.open(tcp::v4(), ec);
  if (receive_buffer > 0)
    socket.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer), ec);
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port)),
                 ec);
  if (ec) return;
  if (!bearer_token.empty()) {
    ws_.set_option(websocket::stream_base::decorator([bearer_token](websocket::request_type& req) {
      req.set(beast::http::field::authorization, "Bearer " + bearer_token);
    }));
  }
  ws_.handshake("127.0.0.1", "/v1/ws", ec);
  open_ = !ec;
}

void ws_client::send(const api::pb::ClientFrame& f) {
  beast::error_code ec;
  ws_.binary(true);
  ws_.write(boost::asio::buffer(f.SerializeAsString()), ec);
}

void ws_client::send_text(const std::string& json) {
  beast::error_code ec;
  ws_.text(true);
  ws_.write(boost::asio::buffer(json), ec);
}

std::optional<std::string> ws_client::receive_raw(std::chrono::milliseconds timeout) {
  if (!open_) return std::nullopt;
  beast::error_code result = boost::asio::error::would_block;
  beast::get_lowest_layer(ws_).expires_after(timeout);
  ws_.async_read(buffer_, [&](beast::error_code ec, std::size_t) { result = ec; });
  ioc_.restart();
  ioc_.run();
  if (result) {
    if (result == websocket::error::closed) close_code_ = ws_.reason().code;
    open_ = false;
    return std::nullopt;
  }
  std::string data = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  return data;
}

std::optional<api::pb::ServerFrame> ws_client::receive(std::chrono::milliseconds timeout) {
  auto data = receive_raw(timeout);
  if (!data) return std::nullopt;
  api::pb::ServerFrame f;
  if (ws_.got_text()) {
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(*data, &f).ok()) << *data;
  } else {
    EXPECT_TRUE(f.ParseFromString(*data));
  }
  return f;
}

api::pb::ServerFrame ws_client::request(api::pb::ClientFrame f, std::chrono::milliseconds timeout) {
  if (f.request_id().empty()) f.set_request_id("r" + std::to_string(next_id_++));
  send(f);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto r = receive(std::max(left, std::chrono::milliseconds(1)));
    if (!r) {
      ADD_FAILURE() << "no reply to " << f.request_id() << " (close code " << close_code_ << ")";
      return {};
    }
    if (r->request_id() == f.request_id()) return *r;
    backlog.push_back(std::move(*r));
  }
}

void ws_client::close() {
  if (!open_) return;
  beast::error_code ec;
  ws_.close(websocket::close_code::normal, ec);
  open_ = false;
}

api::pb::ClientFrame command_frame(const std::string& command_id, const google::protobuf::Message& command) {
  api::pb::ClientFrame f;
  auto* c = f.mutable_command();
  c->set_command_id(command_id);
  if (auto* cycle = dynamic_cast<const domain::pb::Command*>(&command)) {
    *c->mutable_cycle() = *cycle;
  } else if (auto* registry = dynamic_cast<const domain::pb::RegistryCommand*>(&command)) {
    *c->mutable_registry() = *registry;
  } else if (auto* token = dynamic_cast<const api::pb::TokenCommand*>(&command)) {
    *c->mutable_token() = *token;
  }
  return f;
}

void define_cluster(ws_client& office, const std::string& number, const std::vector<std::string>& units) {
  for (const auto& u : units) {
    domain::pb::RegistryCommand r;
    r.mutable_register_unit()->set_unit_id(u);
    r.mutable_register_unit()->set_name("Công an " + u);
    r.mutable_register_unit()->set_kind(domain::pb::PROVINCIAL_POLICE);
    auto reply = office.request(command_frame("register-" + u, r));
    ASSERT_TRUE(reply.has_accepted()) << reply.DebugString();
  }
  domain::pb::RegistryCommand d;
  auto* c = d.mutable_define_cluster();
  c->set_organizer_id("BCA");
  c->set_series("dia-phuong");
  c->set_number(number);
  c->set_name("Cụm thi đua số " + number);
  auto reply = office.request(command_frame("define-" + number, d));
  ASSERT_TRUE(reply.has_accepted()) << reply.DebugString();
}

api::pb::ClientFrame ping_frame() {
  api::pb::ClientFrame f;
  f.mutable_ping();
  return f;
}

api::pb::ClientFrame subscribe_frame(const std::string& id, std::uint64_t from) {
  api::pb::ClientFrame f;
  f.mutable_subscribe()->set_subscription_id(id);
  f.mutable_subscribe()->set_from_position(from);
  return f;
}

api::pb::ClientFrame get_cycle_frame(int year, const std::string& number, std::uint64_t at_least_position) {
  api::pb::ClientFrame f;
  f.mutable_query()->set_at_least_position(at_least_position);
  auto* g = f.mutable_query()->mutable_get_cycle();
  g->set_organizer_id("BCA");
  g->set_series("dia-phuong");
  g->set_year(year);
  g->set_number(number);
  return f;
}

}  // namespace thidua::testing

namespace thidua::testing {

std::optional<double> metric_value(const std::string& metrics_body, const std::string& series) {
  const std::string line_start = series + " ";
  for (std::size_t at = 0; at < metrics_body.size();) {
    const std::size_t end = std::min(metrics_body.find('\n', at), metrics_body.size());
    if (metrics_body.compare(at, line_start.size(), line_start) == 0)
      return std::stod(metrics_body.substr(at + line_start.size(), end - at - line_start.size()));
    at = end + 1;
  }
  return std::nullopt;
}

}  // namespace thidua::testing
