// --first-office: a new installation's first account. The server issues the configured organizer's office a
// token while the log holds none, its secret in a file only the server's user reads; the token works for
// everything an office does; once a token exists nothing more is issued; a file left by a start that did not
// get to record the token is written again.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/api/api_support.h"

namespace thidua::testing {
namespace {

const std::vector<std::string> first_office = {"--no-demo", "--first-office", "BCA/BCA-X03",
                                               "--first-office-person", "Nguyễn Văn Hùng"};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The secret in the file: its last line.
std::string secret_in(const std::string& path) {
  std::string text = slurp(path);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text.substr(text.rfind('\n') + 1);
}

TEST(first_office, an_empty_log_gets_one_office_token_whose_secret_only_the_server_user_reads) {
  temp_dir dir;
  const std::string data = dir.sub("data"), file = data + "/first-office-token.txt";
  std::string secret;
  {
    server_process server(data, first_office);
    ASSERT_GT(server.port(), 0) << server.output();
    EXPECT_NE(server.output().find("issued the first token, for the office BCA-X03 of BCA (Nguyễn Văn Hùng)"),
              std::string::npos)
        << server.output();
    EXPECT_EQ(server.output().find("thd_"), std::string::npos) << "the secret is never logged";
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    secret = secret_in(file);
    ASSERT_TRUE(secret.starts_with("thd_")) << slurp(file);

    // It is an organizer's office's token: it lists the tokens and issues a chair's.
    const auto listed = http_get(server.port(), "/v1/tokens", secret);
    EXPECT_NE(listed.find(R"("token_id":"tk-first-office")"), std::string::npos) << listed;
    EXPECT_NE(listed.find(R"("person_name":"Nguyễn Văn Hùng")"), std::string::npos) << listed;
    const auto issued = http_post(
        server.port(), "/v1/commands",
        R"({"command_id":"chair-1","token":{"issue":{"unit_id":"CA-LaiChau","person_name":"Nguyễn Viết Giang","role":"CHAIR"}}})",
        secret);
    EXPECT_EQ(http_status(issued), 200u) << issued;
    EXPECT_EQ(server.terminate(), 0);
  }
  {
    // Tokens exist now: nothing more is issued, and the file is left as it is.
    server_process again(data, first_office);
    ASSERT_GT(again.port(), 0) << again.output();
    EXPECT_NE(again.output().find("the log holds tokens already; none issued"), std::string::npos)
        << again.output();
    EXPECT_EQ(secret_in(file), secret);
    EXPECT_EQ(http_status(http_get(again.port(), "/v1/tokens", secret)), 200u);
  }
}

TEST(first_office, a_file_left_without_its_token_is_written_again_and_a_demo_log_gets_none) {
  temp_dir dir;
  const std::string data = dir.sub("data"), file = data + "/first-office-token.txt";
  // A start that wrote the file and died before recording the token.
  std::filesystem::create_directories(data);
  std::ofstream(file) << "thd_stale\n";
  {
    server_process server(data, first_office);
    ASSERT_GT(server.port(), 0) << server.output();
    const std::string secret = secret_in(file);
    EXPECT_NE(secret, "thd_stale");
    EXPECT_EQ(http_status(http_get(server.port(), "/v1/tokens", secret)), 200u);
  }
  temp_dir demo;
  server_process with_demo(demo.sub("data"), {"--first-office", "BCA/BCA-X03"});
  ASSERT_GT(with_demo.port(), 0) << with_demo.output();
  EXPECT_NE(with_demo.output().find("none issued"), std::string::npos) << with_demo.output();
  EXPECT_FALSE(std::filesystem::exists(demo.sub("data") + "/first-office-token.txt"));
}

}  // namespace
}  // namespace thidua::testing
