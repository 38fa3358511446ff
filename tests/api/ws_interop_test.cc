// thidua-server's WebSocket API driven by a client we did not write (Debian's python3-websockets) over a real
// loopback socket: authentication, a command, idempotent retry, a domain refusal, malformed frames, limits.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "tests/api/api_support.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

TEST(ws_interop, an_independent_client_authenticates_commands_and_is_refused_clearly) {
  // Never a skip: the README's test command installs the client (tools/dev/setup-deps), and a check that
  // skips where it should run proves nothing.
  ASSERT_EQ(::access("/usr/bin/python3", X_OK), 0) << "python3 is missing: run tools/dev/setup-deps";
  ASSERT_EQ(std::system("/usr/bin/python3 -c 'import websockets' > /dev/null 2>&1"), 0)
      << "python3-websockets is missing: run tools/dev/setup-deps";
  temp_dir dir;
  const std::string db = dir.sub("data");
  const std::string token =
      issue_tokens(db, {{"tk-organizer", "BCA-X03", "ORGANIZER_OFFICE", "BCA", {}}}).at(0);
  server_process server(db, {"--no-demo"});
  ASSERT_GT(server.port(), 0) << server.output();

  // -O removes assert statements: the client's checks must not be made of them.
  const std::string cmd = std::string("/usr/bin/python3 -O ") + WS_CLIENT_PATH + " " +
                          std::to_string(server.port()) + " " + token + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string client_out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) client_out.append(buf, n);
  const int client_status = ::pclose(p);

  const int status = server.terminate();
  EXPECT_EQ(WEXITSTATUS(client_status), 0) << client_out;
  EXPECT_NE(client_out.find("all checks passed"), std::string::npos) << client_out;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the server stops cleanly after the bad input";
}

}  // namespace
}  // namespace thidua::testing
