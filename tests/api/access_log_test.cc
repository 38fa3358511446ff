// The access log of the real server: each connection opened and closed, each refused authentication (never
// the token), each HTTP request and each WebSocket command with its result code and latency — as one JSON
// object per line with --log-format json, as key=value text otherwise.

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "api/net/server_log.h"
#include "tests/api/api_support.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

std::vector<google::protobuf::Struct> json_lines(const std::string& output) {
  std::vector<google::protobuf::Struct> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    google::protobuf::Struct s;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &s).ok())
        << "not one JSON object: " << line;
    lines.push_back(std::move(s));
  }
  return lines;
}

std::string text_of(const google::protobuf::Struct& s, const std::string& key) {
  const auto it = s.fields().find(key);
  if (it == s.fields().end()) return "";
  return it->second.has_number_value() ? std::to_string(it->second.number_value())
                                       : it->second.string_value();
}

// The access lines of `event`.
std::vector<google::protobuf::Struct> events(const std::vector<google::protobuf::Struct>& lines,
                                             const std::string& event) {
  std::vector<google::protobuf::Struct> out;
  for (const auto& l : lines)
    if (text_of(l, "event") == event) out.push_back(l);
  return out;
}

TEST(access_log, names_connections_refused_logins_requests_and_commands_in_json_and_never_a_token) {
  temp_dir dir;
  server_process server(dir.sub("data"), {"--log-format=json"});
  ASSERT_GT(server.port(), 0) << server.output();
  const auto tokens = demo_tokens(dir.sub("data"));
  const std::string office_token = tokens.at("ORGANIZER_OFFICE BCA-X03");
  const std::string wrong = "thd_" + std::string(64, '7');

  http_get(server.port(), "/v1/clusters", wrong);  // refused: 401
  {
    ws_client refused(server.port());
    api::pb::ClientFrame auth;
    auth.mutable_auth()->set_token(wrong);
    refused.send(auth);
    refused.receive();
  }
  {
    ws_client office(server.port(), office_token);
    ASSERT_TRUE(office.open());
    domain::pb::RegistryCommand c;
    c.mutable_register_unit()->set_unit_id("CA-ThuNghiem");
    c.mutable_register_unit()->set_name("Công an đơn vị thử nghiệm");
    c.mutable_register_unit()->set_kind(domain::pb::PROVINCIAL_POLICE);
    const auto accepted = office.request(command_frame("reg-thai-binh", c));
    ASSERT_TRUE(accepted.has_accepted()) << accepted.DebugString();
    domain::pb::RegistryCommand again = c;  // the same unit once more, under a new id: refused
    const auto refused = office.request(command_frame("reg-thai-binh-2", again));
    ASSERT_TRUE(refused.has_error());
  }
  ASSERT_EQ(server.terminate(), 0) << server.output();
  const std::string& out = server.output();
  EXPECT_EQ(out.find(wrong), std::string::npos) << "a refused token is never logged";
  EXPECT_EQ(out.find(office_token), std::string::npos) << "a good one neither";

  const auto lines = json_lines(out);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(text_of(lines.front(), "msg").find("thidua-server 0."), std::string::npos);
  for (const auto& l : lines) {
    EXPECT_FALSE(text_of(l, "time").empty());
    EXPECT_FALSE(text_of(l, "level").empty());
  }
  const auto refusals = events(lines, "auth_refused");
  ASSERT_EQ(refusals.size(), 2u) << out;
  EXPECT_EQ(text_of(refusals[0], "kind"), "http");
  EXPECT_EQ(text_of(refusals[1], "kind"), "websocket");
  EXPECT_EQ(events(lines, "request").size(), 1u) << out;
  EXPECT_EQ(text_of(events(lines, "request")[0], "status"), "401.000000");

  const auto commands = events(lines, "command");
  ASSERT_EQ(commands.size(), 2u) << out;
  EXPECT_EQ(text_of(commands[0], "command"), "register_unit");
  EXPECT_EQ(text_of(commands[0], "command_id"), "reg-thai-binh");
  EXPECT_EQ(text_of(commands[0], "result"), "ACCEPTED");
  EXPECT_EQ(text_of(commands[0], "unit"), "BCA-X03");
  EXPECT_TRUE(commands[0].fields().at("ms").has_number_value());
  EXPECT_NE(text_of(commands[1], "result"), "ACCEPTED");
  EXPECT_FALSE(text_of(commands[1], "result").empty());

  // Every connection that opened closed, and says so.
  const auto opened = events(lines, "connection_opened").size();
  EXPECT_EQ(opened, 3u) << out;
  EXPECT_EQ(events(lines, "connection_closed").size(), opened) << out;
  EXPECT_EQ(events(lines, "websocket_opened").size(), 2u) << out;
}

TEST(access_log, in_text_is_one_line_of_key_value_pairs_per_event) {
  temp_dir dir;
  server_process server(dir.sub("data"));
  ASSERT_GT(server.port(), 0) << server.output();
  http_get(server.port(), "/v1/clusters", "thd_nope");
  ASSERT_EQ(server.terminate(), 0);
  const std::string& out = server.output();
  EXPECT_NE(out.find("info access auth_refused peer=127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE(out.find("access request peer=127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE(out.find(" method=GET target=/v1/clusters status=401 ms="), std::string::npos) << out;
}

TEST(access_log, an_http_command_names_its_token_holder_and_the_command_with_its_result) {
  temp_dir dir;
  server_process server(dir.sub("data"), {"--log-format=json"});
  ASSERT_GT(server.port(), 0) << server.output();
  const std::string office = demo_tokens(dir.sub("data")).at("ORGANIZER_OFFICE BCA-X03");
  const auto reply = http_post(
      server.port(), "/v1/commands",
      R"({"command_id":"reg-http","registry":{"register_unit":{"unit_id":"CA-ThuNghiem","name":"Công an thử nghiệm","kind":"PROVINCIAL_POLICE"}}})",
      office);
  ASSERT_NE(reply.find(" 200 "), std::string::npos) << reply;
  ASSERT_EQ(server.terminate(), 0);
  const auto requests = events(json_lines(server.output()), "request");
  ASSERT_EQ(requests.size(), 1u) << server.output();
  EXPECT_EQ(text_of(requests[0], "method"), "POST");
  EXPECT_EQ(text_of(requests[0], "unit"), "BCA-X03");
  EXPECT_EQ(text_of(requests[0], "person"), "Cán bộ thường trực thi đua");
  EXPECT_EQ(text_of(requests[0], "command"), "register_unit");
  EXPECT_EQ(text_of(requests[0], "command_id"), "reg-http");
  EXPECT_EQ(text_of(requests[0], "result"), "ACCEPTED");
  EXPECT_EQ(server.output().find(office), std::string::npos) << "never the token";
}

TEST(access_log, below_the_log_level_it_writes_nothing) {
  std::ostringstream written;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(written);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  api::set_log_format(api::log_format::json);
  spdlog::set_level(spdlog::level::warn);
  api::access_log("request", {{"peer", "127.0.0.1:1"}});
  EXPECT_EQ(written.str(), "");
  spdlog::set_level(spdlog::level::info);
  api::access_log("request",
                  {{"peer", "127.0.0.1:1"}, {"status", "200", true}, {"note", "a \"quoted\"\nline"}});
  google::protobuf::Struct line;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(written.str(), &line).ok()) << written.str();
  EXPECT_EQ(text_of(line, "event"), "request");
  EXPECT_EQ(text_of(line, "note"), "a \"quoted\"\nline");
  EXPECT_TRUE(line.fields().at("status").has_number_value());
  api::set_log_format(api::log_format::text);
  spdlog::set_default_logger(previous);
}

}  // namespace
}  // namespace thidua::testing
