// thidua-server's WebSocket API driven by a client we did not write (Debian's python3-websockets) over a real
// loopback socket: authentication, a command, idempotent retry, a domain refusal, malformed frames, limits.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "api/token_registry.h"
#include "engine/command_pipeline.h"
#include "tests/support/test_support.h"

namespace thidua {
namespace {

std::string issue_organizer_token(const std::string& db) {
  auto log = storage::event_log::open(storage::log_options{.path = db});
  EXPECT_TRUE(log);
  engine::command_pipeline<api::token_decider> tokens(*log.value());
  const std::string secret = api::new_token_secret();
  api::pb::TokenCommand c;
  auto* g = c.mutable_issue();
  g->set_token_id("tk-organizer");
  g->set_sha256(api::token_hash(secret));
  g->set_unit_id("BCA-X03");
  g->set_person_name("Nguyễn Văn Bình");
  g->set_role("ORGANIZER_OFFICE");
  g->set_organizer_id("BCA");
  EXPECT_TRUE(tokens.execute({"issue", {"test"}, c, 0, std::nullopt, {}, {}}));
  return secret;
}

TEST(ws_interop, an_independent_client_authenticates_commands_and_is_refused_clearly) {
  if (::access("/usr/bin/python3", X_OK) != 0 ||
      std::system("/usr/bin/python3 -c 'import websockets' > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-websockets is not installed (tools/dev/setup-deps installs it)";
  }
  testing::temp_dir dir;
  const std::string db = dir.sub("data");
  const std::string token = issue_organizer_token(db);

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(SERVER_PATH, SERVER_PATH, "--port", "0", "--data-dir", db.c_str(), "--no-demo", nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string output;
  int port = 0;
  char buf[4096];
  const std::string listening = "listening on http://127.0.0.1:";
  while (port == 0) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    output.append(buf, static_cast<std::size_t>(n));
    auto at = output.find(listening);
    if (at != std::string::npos && output.find('\n', at) != std::string::npos)
      port = std::stoi(output.substr(at + listening.size()));
  }
  ASSERT_GT(port, 0) << output;

  const std::string cmd =
      std::string("/usr/bin/python3 ") + WS_CLIENT_PATH + " " + std::to_string(port) + " " + token + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string client_out;
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) client_out.append(buf, n);
  const int client_status = ::pclose(p);

  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  EXPECT_EQ(WEXITSTATUS(client_status), 0) << client_out;
  EXPECT_NE(client_out.find("all checks passed"), std::string::npos) << client_out;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the server stops cleanly after the bad input";
}

}  // namespace
}  // namespace thidua
