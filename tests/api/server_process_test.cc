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
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "tests/api/api_support.h"
#include "tests/support/test_support.h"

namespace thidua {
namespace {

using testing::http_exchange;
using testing::server_process;

TEST(server_process, serves_healthz_refuses_oversized_headers_and_stops_cleanly_on_sigterm) {
  testing::temp_dir dir;
  server_process server(dir.sub("data"));
  ASSERT_GT(server.port(), 0) << server.output();

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

TEST(server_process, refuses_a_bad_command_line_with_a_clear_message) {
  int status = std::system((std::string(SERVER_PATH) + " --port 70000 > /dev/null 2>&1").c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
  status = std::system((std::string(SERVER_PATH) + " --help > /dev/null 2>&1").c_str());
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace thidua
