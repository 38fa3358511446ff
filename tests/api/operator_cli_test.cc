// `thidua` against a running server: it finds the server from the data dir (server.url while its lock is
// held) or from --server, says so, and does through it what it cannot do beside it — tokens issued and
// revoked at once, a backup taken while commands flow, the server's status, a cluster's events followed and
// resumed. Without a server, status and tail say there is none; restore refuses a live data dir.

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include "api/app/proto/queries.pb.h"
#include "tests/api/api_support.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

cli_run thidua(const std::string& args, const std::string& env = "") {
  return run_cli(CLI_PATH, args, env);
}

template <class M>
M parsed(const std::string& json) {
  M m;
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &m, o).ok()) << json;
  return m;
}

class operator_cli : public demo_server_test {
 protected:
  std::string data() { return dir.sub("data"); }
  // A file holding `token`, as an operator keeps one (mode 0600).
  std::string token_file(const std::string& name, const std::string& token) {
    const std::string path = dir.sub(name);
    std::ofstream(path) << token << "\n";
    return path;
  }
  std::string office() { return token_file("office.token", tokens.at("ORGANIZER_OFFICE BCA-X03")); }
  std::string url() { return "http://127.0.0.1:" + std::to_string(server.port()); }
};

TEST_F(operator_cli, tokens_are_issued_listed_and_revoked_through_the_running_server_at_once) {
  const auto created = thidua("token create --json --data-dir " + data() + " --token-file " + office() +
                              " --unit CA-LaiChau --person 'Lò Văn Páo' --role MEMBER");
  ASSERT_EQ(created.status, 0) << created.err;
  EXPECT_NE(created.err.find("through the server at " + url()), std::string::npos) << created.err;
  const auto issued = parsed<google::protobuf::Struct>(created.out);
  const std::string id = issued.fields().at("id").string_value();
  const std::string secret = issued.fields().at("token").string_value();
  ASSERT_FALSE(secret.empty()) << created.out;
  EXPECT_EQ(http_status(http_get(server.port(), "/v1/units", secret)), 200u) << "the new token works at once";

  const auto listed = thidua("token list --data-dir " + data() + " --token-file " + office());
  ASSERT_EQ(listed.status, 0) << listed.err;
  EXPECT_NE(listed.out.find(id), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("Lò Văn Páo"), std::string::npos) << listed.out;

  const auto no_reason =
      thidua("token revoke --data-dir " + data() + " --token-file " + office() + " --id " + id);
  EXPECT_EQ(no_reason.status, 2) << "--reason is required";
  const auto revoked =
      thidua("token revoke --data-dir " + data() + " --id " + id + " --reason 'chuyển công tác'",
             "THIDUA_TOKEN=" + tokens.at("ORGANIZER_OFFICE BCA-X03"));
  ASSERT_EQ(revoked.status, 0) << revoked.err;
  EXPECT_EQ(http_status(http_get(server.port(), "/v1/units", secret)), 401u) << "refused at once";
  const auto after = thidua("token list --json --data-dir " + data() + " --token-file " + office());
  EXPECT_NE(after.out.find("chuyển công tác"), std::string::npos) << after.out;

  // A member may not: the server's refusal, its code and field, and exit status 2.
  const auto by_member =
      thidua("token create --data-dir " + data() + " --token " + tokens.at("MEMBER CA-BacGiang") +
             " --unit CA-BacGiang --person X --role MEMBER");
  EXPECT_EQ(by_member.status, 2);
  EXPECT_NE(by_member.err.find("FORBIDDEN"), std::string::npos) << by_member.err;
  // No token at all: a list is read beside the server, read-only; a change says where to put a token.
  const auto read_beside = thidua("token list --data-dir " + data());
  EXPECT_EQ(read_beside.status, 0) << read_beside.err;
  EXPECT_NE(read_beside.err.find("read-only beside the server"), std::string::npos) << read_beside.err;
  EXPECT_NE(read_beside.out.find(id), std::string::npos) << read_beside.out;
  const auto without = thidua("token revoke --data-dir " + data() + " --id " + id + " --reason x");
  EXPECT_EQ(without.status, 1);
  EXPECT_NE(without.err.find("needs a token"), std::string::npos) << without.err;
}

TEST_F(operator_cli, a_backup_is_taken_while_commands_flow_and_holds_a_verifiable_head) {
  // Commands keep coming over HTTP while the backup runs.
  std::atomic<bool> stop{false};
  std::atomic<int> accepted{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      const std::string body = R"({"command_id":"flow-)" + std::to_string(i) +
                               R"(","token":{"issue":{"unit_id":"CA-SonLa","person_name":"Cán bộ )" +
                               std::to_string(i) +
                               R"(","role":"OBSERVER","readable_stream_prefixes":["registry"]}}})";
      if (http_status(
              http_post(server.port(), "/v1/commands", body, tokens.at("ORGANIZER_OFFICE BCA-X03"))) == 200)
        ++accepted;
    }
  });
  while (accepted < 5) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto made =
      thidua("backup --json --name during-load --data-dir " + data() + " --token-file " + office());
  const int before_stop = accepted;
  while (accepted < before_stop + 5) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  writer.join();
  ASSERT_EQ(made.status, 0) << made.err;
  const auto b = parsed<google::protobuf::Struct>(made.out);
  const std::string path = b.fields().at("path").string_value();
  const auto head = static_cast<std::uint64_t>(b.fields().at("head").number_value());
  EXPECT_EQ(path, dir.sub("data-backups") + "/during-load");
  EXPECT_GT(b.fields().at("bytes").number_value(), 0);
  EXPECT_EQ(b.fields().at("head_hash").string_value().size(), 64u);

  // The copy is a whole log: its chain verifies, its head is the one reported, and the server went on.
  const auto verified = thidua("verify --json --data-dir " + path);
  EXPECT_EQ(verified.status, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("\"last_hash\":\"" + b.fields().at("head_hash").string_value() + "\""),
            std::string::npos)
      << verified.out;
  EXPECT_EQ(thidua("head --data-dir " + path).out, std::to_string(head) + "\n");
  const auto live_head =
      parsed<api::pb::ServerStatus>(thidua("status --json --data-dir " + data()).out).head();
  EXPECT_GT(live_head, head) << "commands were accepted after the copy was taken";

  // Restore: never over the live data dir; into an empty one, the copy as it was.
  const auto over_live = thidua("restore --from " + path + " --data-dir " + data());
  EXPECT_EQ(over_live.status, 1);
  EXPECT_NE(over_live.err.find("is live"), std::string::npos) << over_live.err;
  ASSERT_EQ(thidua("restore --from " + path + " --data-dir " + dir.sub("restored")).status, 0);
  EXPECT_EQ(thidua("head --data-dir " + dir.sub("restored")).out, std::to_string(head) + "\n");

  // The same name twice, --to through a server, a member: each refused, saying why.
  const auto again = thidua("backup --name during-load --data-dir " + data() + " --token-file " + office());
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.err.find("ALREADY_EXISTS"), std::string::npos) << again.err;
  const auto to = thidua("backup --to /tmp/x --data-dir " + data() + " --token-file " + office());
  EXPECT_EQ(to.status, 2);
  EXPECT_NE(to.err.find("its own backup dir"), std::string::npos) << to.err;
  const auto member = thidua("backup --server " + url() + " --token " + tokens.at("MEMBER CA-BacGiang"));
  EXPECT_EQ(member.status, 2);
  EXPECT_NE(member.err.find("FORBIDDEN"), std::string::npos) << member.err;
}

TEST_F(operator_cli, status_and_head_show_the_running_server) {
  ws_client open_connection(server.port(), tokens.at("MEMBER CA-SonLa"));
  ASSERT_TRUE(open_connection.open());
  ASSERT_TRUE(open_connection.request(subscribe_frame("s", 0)).has_subscribed());
  const auto status = thidua("status --json --server " + url());
  ASSERT_EQ(status.status, 0) << status.err;
  const auto s = parsed<api::pb::ServerStatus>(status.out);
  const std::string health = http_body(http_get(server.port(), "/healthz"));
  EXPECT_NE(health.find("\"head\":" + std::to_string(s.head())), std::string::npos) << health;
  EXPECT_GT(s.head(), 0u);
  EXPECT_EQ(s.websocket_connections(), 1u);
  EXPECT_EQ(s.subscriptions(), 1u);
  EXPECT_FALSE(s.version().empty());
  EXPECT_EQ(s.backup_dir(), "") << "a path on the server's machine is not told to anyone";
  const auto as_office = thidua("status --json --server " + url() + " --token-file " + office());
  EXPECT_EQ(parsed<api::pb::ServerStatus>(as_office.out).backup_dir(), dir.sub("data-backups"))
      << as_office.err;

  const auto text = thidua("status --data-dir " + data());
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("read models at"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("1 WebSocket"), std::string::npos) << text.out;
  EXPECT_EQ(thidua("head --data-dir " + data()).out, std::to_string(s.head()) + "\n");
}

TEST_F(operator_cli, tail_follows_events_and_resumes_where_it_stopped) {
  const std::string state = dir.sub("tail.state");
  const std::string common = " --data-dir " + data() + " --token-file " + office() + " --state-file " + state;
  const auto first = thidua("tail --until-caught-up" + common);
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.out.find("ClusterDefined"), std::string::npos) << first.out;
  EXPECT_NE(first.err.find("caught up at position"), std::string::npos) << first.err;

  // Nothing new: the next tail shows nothing. One command: it shows exactly that event.
  EXPECT_EQ(thidua("tail --until-caught-up" + common).out, "");
  const std::string body =
      R"({"command_id":"reg-1","registry":{"register_unit":{"unit_id":"CA-ThuNghiem","name":"Công an thử nghiệm","kind":"PROVINCIAL_POLICE"}}})";
  const auto reply = http_post(server.port(), "/v1/commands", body, tokens.at("ORGANIZER_OFFICE BCA-X03"));
  ASSERT_EQ(http_status(reply), 200u) << reply;
  const auto accepted = parsed<api::pb::CommandAccepted>(http_body(reply));
  const auto next = thidua("tail --until-caught-up --json" + common);
  ASSERT_EQ(next.status, 0) << next.err;
  ASSERT_EQ(std::count(next.out.begin(), next.out.end(), '\n'), 1) << next.out;
  const auto event = parsed<api::pb::EventEnvelope>(next.out);
  EXPECT_EQ(event.position(), accepted.last_position());
  EXPECT_TRUE(event.has_registry()) << next.out;

  // A filter the server refuses: its code and field.
  const auto refused = thidua("tail --until-caught-up --number II" + common);
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("INVALID_FIELD"), std::string::npos) << refused.err;
}

TEST_F(operator_cli, export_goes_through_the_running_server_as_the_same_file_the_api_streams) {
  const std::string out = dir.sub("audit.csv");
  const auto exported = thidua("export --data-dir " + data() + " --token-file " + office() +
                               " --organizer BCA --year 2023 --out " + out);
  ASSERT_EQ(exported.status, 0) << exported.err;
  EXPECT_NE(exported.err.find("through the server"), std::string::npos) << exported.err;
  std::ifstream in(out, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), {});
  const std::string streamed = http_body(http_get(server.port(), "/v1/audit.csv?organizer_id=BCA&year=2023",
                                                  tokens.at("ORGANIZER_OFFICE BCA-X03")));
  // The HTTP body arrives chunked here; the file holds the bytes themselves.
  EXPECT_GT(file.size(), 1000u);
  EXPECT_NE(streamed.find(file.substr(3, 200)), std::string::npos) << "the file starts as the API's export";
  EXPECT_EQ(file.substr(0, 3), "\xEF\xBB\xBF") << "CSV for Excel starts with a byte-order mark";

  const auto refused = thidua("export --data-dir " + data() + " --token-file " + office() +
                              " --role CAPTAIN --out " + dir.sub("refused.csv"));
  EXPECT_EQ(refused.status, 2) << refused.err;
  EXPECT_NE(refused.err.find("audit.role"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(dir.sub("refused.csv"))) << "no empty file left behind";
}

TEST(operator_cli_alone, without_a_server_status_and_tail_say_so_and_writes_open_the_data_dir) {
  temp_dir dir;
  const auto none = thidua("status --data-dir " + dir.sub("data"));
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.err.find("no server runs on"), std::string::npos) << none.err;
  const auto refused = thidua("status --server http://127.0.0.1:1");
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("connection refused"), std::string::npos) << refused.err;
  const auto bad_url = thidua("status --server 127.0.0.1:8080");
  EXPECT_EQ(bad_url.status, 1);
  EXPECT_NE(bad_url.err.find("http://host:port"), std::string::npos) << bad_url.err;

  const auto created = thidua("token create --new-log --data-dir " + dir.sub("data") +
                              " --unit BCA-X03 --person A --role ORGANIZER_OFFICE --organizer BCA");
  ASSERT_EQ(created.status, 0) << created.err;
  const auto listed = thidua("token list --data-dir " + dir.sub("data"));
  ASSERT_EQ(listed.status, 0) << listed.err;
  EXPECT_NE(listed.err.find("opening the data dir " + dir.sub("data") + " itself"), std::string::npos)
      << listed.err;

  // The config file: its server and token are used; an unknown key is named with the nearest known one.
  std::ofstream(dir.sub("cli.conf")) << "# thidua\nserver = http://127.0.0.1:1   # nobody\ntoken = x\n";
  const auto from_config = thidua("token list --config " + dir.sub("cli.conf"));
  EXPECT_EQ(from_config.status, 1);
  EXPECT_NE(from_config.err.find("127.0.0.1:1"), std::string::npos) << from_config.err;
  std::ofstream(dir.sub("typo.conf")) << "sever = http://127.0.0.1:1\n";
  const auto typo = thidua("status", "THIDUA_CONFIG=" + dir.sub("typo.conf"));
  EXPECT_EQ(typo.status, 1);
  EXPECT_NE(typo.err.find("did you mean server?"), std::string::npos) << typo.err;
}

}  // namespace
}  // namespace thidua::testing
