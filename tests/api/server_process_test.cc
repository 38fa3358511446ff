// Runs the real thidua-server binary on 127.0.0.1 with a port it chooses, talks HTTP to it over a real
// socket, and stops it with SIGTERM.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>

#include "api/app/catalog_projection.h"
#include "storage/event_log.h"
#include "tests/api/api_support.h"
#include "tests/domain/commands.h"
#include "tests/support/test_support.h"

namespace thidua {
namespace {

using testing::http_exchange;
using testing::server_process;

class server_process_on_demo : public testing::demo_server_test {};

TEST_F(server_process_on_demo, serves_healthz_refuses_oversized_headers_and_stops_cleanly_on_sigterm) {
  std::string health =
      http_exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(health.find("HTTP/1.1 200"), std::string::npos) << health;
  EXPECT_NE(health.find(R"("status":"ok")"), std::string::npos) << health;

  std::string missing =
      http_exchange(server.port(), "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(missing.find("HTTP/1.1 404"), std::string::npos) << missing;

  std::string huge = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  std::string refused = http_exchange(server.port(), huge);
  EXPECT_NE(refused.find("HTTP/1.1 413"), std::string::npos) << refused.substr(0, 200);

  std::string garbage = http_exchange(server.port(), "\x01\x02 not http at all\r\n\r\n");
  EXPECT_NE(garbage.find("HTTP/1.1 400"), std::string::npos) << garbage;

  // Still serving after the bad input.
  health = http_exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(health.find("HTTP/1.1 200"), std::string::npos);

  int status = server.terminate();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server.output();
  EXPECT_NE(server.output().find("stopped cleanly"), std::string::npos) << server.output();
  // Its first line names what runs: the version and the commit it was built from.
  const std::string first = server.output().substr(0, server.output().find('\n'));
  EXPECT_NE(first.find("thidua-server 0."), std::string::npos) << first;
  EXPECT_NE(first.find("(commit "), std::string::npos) << first;
}

std::string healthz(int port) {
  return http_exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

TEST(server_process, an_empty_data_dir_gets_the_demo_data_once) {
  testing::temp_dir dir;
  std::string first_health;
  {
    server_process server(dir.sub("data"));
    ASSERT_GT(server.port(), 0) << server.output();
    EXPECT_NE(server.output().find("loaded the demo data"), std::string::npos) << server.output();
    first_health = healthz(server.port());
    EXPECT_NE(server.output().find("demo-tokens.txt (readable only by its owner)"), std::string::npos)
        << server.output();
    struct stat st {};
    ASSERT_EQ(::stat(dir.sub("data/demo-tokens.txt").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "only the owner may read the demo tokens";
    std::ifstream in(dir.sub("data/demo-tokens.txt"));
    const std::string tokens((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(tokens.find("ORGANIZER_OFFICE BCA-X03 thd_"), std::string::npos) << tokens;
    EXPECT_NE(tokens.find("CHAIR CA-LaiChau thd_"), std::string::npos) << tokens;
    EXPECT_NE(tokens.find("VICE_CHAIR CA-ThaiBinh thd_"), std::string::npos) << tokens;
    EXPECT_NE(tokens.find("MEMBER CA-SonLa thd_"), std::string::npos) << tokens;
    EXPECT_EQ(first_health.find(R"("head":0})"), std::string::npos) << first_health;
    EXPECT_EQ(WEXITSTATUS(server.terminate()), 0);
  }
  server_process again(dir.sub("data"));
  ASSERT_GT(again.port(), 0) << again.output();
  EXPECT_EQ(again.output().find("loaded the demo data"), std::string::npos)
      << "a data dir with a log is left alone";
  const std::string body = first_health.substr(first_health.find('{'));
  EXPECT_NE(healthz(again.port()).find(body), std::string::npos) << "same head after a restart";

  testing::temp_dir empty;
  server_process bare(empty.sub("data"), {"--no-demo"});
  ASSERT_GT(bare.port(), 0) << bare.output();
  EXPECT_NE(healthz(bare.port()).find(R"("head":0})"), std::string::npos);
}

// docs/operations.md: the catalog read model is checkpointed with its data, so a backup carries it; a log
// without it builds it again from the start. Either way the server answers as the original did.
TEST(server_process, a_restored_backup_and_a_log_without_its_read_model_answer_as_the_original) {
  testing::temp_dir dir;
  const std::string data = dir.sub("data");
  std::string token, query, original;
  {
    server_process server(data);
    ASSERT_GT(server.port(), 0) << server.output();
    token = testing::demo_tokens(data).at("ORGANIZER_OFFICE BCA-X03");
    const auto head = testing::metric_value(testing::http_get(server.port(), "/metrics"), "thidua_log_head");
    ASSERT_TRUE(head);
    query = "/v1/cycles?at_least_position=" + std::to_string(static_cast<std::uint64_t>(*head));
    original = testing::http_get(server.port(), query, token);
    ASSERT_NE(original.find("HTTP/1.1 200"), std::string::npos) << original;
    EXPECT_EQ(WEXITSTATUS(server.terminate()), 0);
  }
  {
    auto log = storage::event_log::open(storage::log_options{.path = data, .create_if_missing = false});
    ASSERT_TRUE(log) << log.error().message;
    ASSERT_OK(log.value()->backup_to(dir.sub("backup")));
  }
  ASSERT_OK(storage::event_log::restore(dir.sub("backup"), dir.sub("restored")));
  ASSERT_OK(storage::event_log::restore(dir.sub("backup"), dir.sub("without-model")));
  {
    auto log = storage::event_log::open(
        storage::log_options{.path = dir.sub("without-model"), .create_if_missing = false});
    ASSERT_TRUE(log) << log.error().message;
    ASSERT_OK(log.value()->reset_projection(api::catalog_projection::projection_name));
    auto checkpoint = log.value()->projection_checkpoint(api::catalog_projection::projection_name);
    ASSERT_TRUE(checkpoint);
    EXPECT_EQ(checkpoint.value().value, 0u) << "the read model is gone";
  }
  const auto body = [](const std::string& response) { return response.substr(response.find("\r\n\r\n")); };
  for (const char* copy : {"restored", "without-model"}) {
    server_process server(dir.sub(copy), {"--no-demo"});
    ASSERT_GT(server.port(), 0) << server.output();
    const std::string answer = testing::http_get(server.port(), query, token);
    EXPECT_EQ(body(answer), body(original)) << copy;
  }
}

// SIGTERM while a client has commands on their way: each command the server took in gets its reply, then the
// connection a close frame 1001 (going away), and the server stops cleanly. What was recorded is exactly what
// was acknowledged.
TEST(server_process, sigterm_answers_what_each_websocket_is_owed_then_closes_it_1001) {
  testing::temp_dir dir;
  const std::string data = dir.sub("data");
  std::set<std::string> acknowledged;
  {
    server_process server(data);
    ASSERT_GT(server.port(), 0) << server.output();
    const auto tokens = testing::demo_tokens(data);
    testing::ws_client idle(server.port(), tokens.at("MEMBER CA-SonLa"));
    testing::ws_client busy(server.port(), tokens.at("MEMBER CA-BacNinh"));
    ASSERT_TRUE(idle.request(testing::ping_frame()).has_pong());
    const auto send_activity = [&](const std::string& id) {
      domain::pb::Command c;
      *c.mutable_cycle() = testing::cmd::key("BCA", "dia-phuong", "4", 2024);
      c.mutable_activity()->set_date("2024-05-01");
      c.mutable_activity()->set_kind("sports_meet");
      c.mutable_activity()->set_description("Hoạt động " + id);
      auto f = testing::command_frame(id, c);
      f.set_request_id(id);
      busy.send(f);
    };
    for (int i = 0; i < 200; ++i) send_activity("stop-" + std::to_string(i));
    auto first = busy.receive();  // commands are under way
    ASSERT_TRUE(first && first->has_accepted());
    acknowledged.insert(first->request_id());
    ::kill(server.pid(), SIGTERM);
    // Frames the server reads once it is stopping, while it still completes commands it took in, are answered
    // UNAVAILABLE; more follow when it says it is stopping. Whether any is read in that window depends on the
    // timing, so only the kind of answer is checked here.
    ASSERT_TRUE(server.wait_for_output("connections told to close", std::chrono::seconds(30)))
        << server.output();
    for (int i = 0; i < 60; ++i) send_activity("stop-late-" + std::to_string(i));
    while (auto r = busy.receive(std::chrono::seconds(10))) {
      if (r->has_accepted()) {
        acknowledged.insert(r->request_id());
      } else if (r->has_error()) {
        EXPECT_EQ(r->error().code(), "UNAVAILABLE") << r->DebugString();
      }
    }
    EXPECT_EQ(busy.close_code(), 1001);
    EXPECT_FALSE(idle.receive(std::chrono::seconds(10)).has_value());
    EXPECT_EQ(idle.close_code(), 1001);
    const int status = server.terminate();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server.output();
    EXPECT_NE(server.output().find("stopped cleanly"), std::string::npos) << server.output();
  }
  server_process again(data);
  ASSERT_GT(again.port(), 0) << again.output();
  testing::ws_client reader(again.port(), testing::demo_tokens(data).at("MEMBER CA-BacNinh"));
  std::set<std::string> recorded;
  std::uint64_t from = 1;
  for (;;) {
    api::pb::ClientFrame q;
    q.mutable_query()->mutable_read_stream()->set_stream_id("cycles/BCA/dia-phuong/2024");
    q.mutable_query()->mutable_read_stream()->set_from_version(from);
    auto page = reader.request(q);
    ASSERT_TRUE(page.has_result()) << page.DebugString();
    for (const auto& e : page.result().events())
      if (e.command_id().starts_with("stop-")) recorded.insert(e.command_id());
    if (page.result().next_version() == 0) break;
    from = page.result().next_version();
  }
  EXPECT_EQ(recorded, acknowledged)
      << "every recorded command was acknowledged before the close, and only those";
}

TEST(server_process, a_busy_port_or_a_missing_tls_file_stops_the_start_before_anything_is_written) {
  testing::temp_dir dir;
  // Someone else listens on the port.
  const int other = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(other, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(other, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(other, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(other, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string busy = std::to_string(ntohs(addr.sin_port));
  {
    testing::server_process server(dir.sub("busy"), {"--port", busy});
    EXPECT_EQ(WEXITSTATUS(server.wait_for_exit()), 1) << server.output();
    EXPECT_NE(server.output().find("127.0.0.1:" + busy), std::string::npos) << server.output();
    EXPECT_NE(server.output().find("choose --port"), std::string::npos) << server.output();
    EXPECT_FALSE(std::filesystem::exists(dir.sub("busy"))) << "no log, no demo data, no key: nothing written";
  }
  ::close(other);
  testing::server_process tls(
      dir.sub("tls"), {"--tls-cert", dir.sub("missing-cert.pem"), "--tls-key", dir.sub("missing-key.pem")});
  EXPECT_EQ(WEXITSTATUS(tls.wait_for_exit()), 1) << tls.output();
  EXPECT_NE(tls.output().find("TLS certificate " + dir.sub("missing-cert.pem")), std::string::npos)
      << tls.output();
  EXPECT_FALSE(std::filesystem::exists(dir.sub("tls")));
}

TEST(server_process, refuses_a_bad_command_line_with_a_clear_message) {
  int status = std::system((std::string(SERVER_PATH) + " --port 70000 > /dev/null 2>&1").c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
  status = std::system((std::string(SERVER_PATH) + " --help > /dev/null 2>&1").c_str());
  EXPECT_EQ(WEXITSTATUS(status), 0);
  FILE* p = ::popen((std::string(SERVER_PATH) + " --version --port=1 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  char line[256] = {};
  const bool read = std::fgets(line, sizeof line, p) != nullptr;
  status = ::pclose(p);
  ASSERT_TRUE(read);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(std::string(line).rfind("thidua-server 0.", 0), 0u) << line;
  EXPECT_NE(std::string(line).find("(commit "), std::string::npos) << line;
  status = std::system(
      (std::string(SERVER_PATH) + " --data-dir=/nonexistent/x --prot 1 > /dev/null 2>&1").c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2) << "a mistyped option stops it before it starts";
}

}  // namespace
}  // namespace thidua
