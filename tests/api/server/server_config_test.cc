// thidua-server's options: defaults, a config file, the command line winning, and clear errors.

#include "api/server/server_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

std::string parse(std::vector<std::string> args, api::server_config& c) {
  api::server_request request = api::server_request::serve;
  auto err = api::parse_server_config(args, c, request);
  EXPECT_EQ(request, api::server_request::serve);
  return err;
}

TEST(server_config, every_option_has_a_default_and_help_lists_them_all) {
  api::server_config c;
  ASSERT_EQ(parse({}, c), "");
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_EQ(c.http.address, "127.0.0.1");
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_TRUE(c.demo);
  EXPECT_EQ(c.http.max_connections, 15000u);
  EXPECT_EQ(c.http.frames_per_second, 200u);
  EXPECT_EQ(c.wal_spare_mib, 72u);
  const std::string usage = api::server_usage();
  for (const char* o :
       {"--config", "--data-dir", "--wal-spare-mib", "--listen", "--port", "--threads", "--no-demo",
        "--idle-timeout", "--max-connections", "--send-buffer", "--max-frames-per-second",
        "--max-subscriptions", "--heartbeat", "--tls-cert", "--tls-key", "--help", "--version"})
    EXPECT_NE(usage.find(o), std::string::npos) << o;
  auto request = api::server_request::serve;
  EXPECT_EQ(api::parse_server_config({"--port", "1", "--help"}, c, request), "");
  EXPECT_EQ(request, api::server_request::help);
  EXPECT_EQ(api::parse_server_config({"--version", "--bogus"}, c, request), "");
  EXPECT_EQ(request, api::server_request::version);
  EXPECT_NE(api::server_version().find("thidua-server 0."), std::string::npos) << api::server_version();
  EXPECT_NE(api::server_version().find("(commit "), std::string::npos);
}

TEST(server_config, takes_opt_equals_value_as_opt_value) {
  api::server_config c;
  ASSERT_EQ(parse({"--port=9090", "--data-dir=/srv/thi đua", "--listen", "0.0.0.0"}, c), "");
  EXPECT_EQ(c.http.port, 9090);
  EXPECT_EQ(c.data_dir, "/srv/thi đua");
  EXPECT_EQ(c.http.address, "0.0.0.0");
  EXPECT_NE(parse({"--port="}, c).find("port"), std::string::npos) << "an empty value is not a port";
}

TEST(server_config, a_mistyped_option_or_key_names_the_one_meant) {
  temp_dir dir;
  api::server_config c;
  const std::string typo = parse({"--max-conections", "10"}, c);
  EXPECT_NE(typo.find("unknown option --max-conections"), std::string::npos) << typo;
  EXPECT_NE(typo.find("did you mean --max-connections?"), std::string::npos) << typo;
  EXPECT_NE(parse({"--dta-dir=/x"}, c).find("did you mean --data-dir?"), std::string::npos);
  EXPECT_NE(parse({"--prot"}, c).find("did you mean --port?"), std::string::npos) << "without a value too";
  EXPECT_EQ(parse({"--zzzzzzzz", "1"}, c).find("did you mean"), std::string::npos)
      << "nothing near: no guess";
  const std::string file = dir.sub("typo.conf");
  std::ofstream(file) << "port = 8080\nheartbet = 5\n";
  const std::string in_file = parse({"--config", file}, c);
  EXPECT_NE(in_file.find(file + ":2: unknown key heartbet — did you mean heartbeat?"), std::string::npos)
      << in_file;
}

TEST(server_config, a_config_file_takes_comments_at_the_end_of_a_line) {
  temp_dir dir;
  const std::string file = dir.sub("server.conf");
  std::ofstream(file) << "port = 8443   # TLS port\n"
                         "data-dir = /srv/data#1\t# a '#' inside a value stays\n"
                         "\t# an indented comment\n"
                         "demo = false #\n";
  api::server_config c;
  ASSERT_EQ(parse({"--config", file}, c), "");
  EXPECT_EQ(c.http.port, 8443);
  EXPECT_EQ(c.data_dir, "/srv/data#1");
  EXPECT_FALSE(c.demo);
}

TEST(server_config, a_config_file_sets_options_and_the_command_line_wins) {
  temp_dir dir;
  const std::string file = dir.sub("server.conf");
  std::ofstream(file) << "# production\n"
                         "data-dir = /var/lib/thidua\n"
                         "port = 8443\n"
                         "  max-subscriptions = 4  \n"
                         "demo = false\n";
  api::server_config c;
  ASSERT_EQ(parse({"--port", "9443", "--config", file}, c), "");
  EXPECT_EQ(c.data_dir, "/var/lib/thidua");
  EXPECT_EQ(c.http.port, 9443) << "the command line wins, wherever --config stands";
  EXPECT_EQ(c.http.max_subscriptions, 4u);
  EXPECT_FALSE(c.demo);
}

TEST(server_config, bad_options_are_refused_naming_the_option_or_the_file_and_line) {
  temp_dir dir;
  const std::string file = dir.sub("bad.conf");
  std::ofstream(file) << "port = 8080\nmax-conections = 10\n";
  api::server_config c;
  const std::string in_file = parse({"--config", file}, c);
  EXPECT_NE(in_file.find(file + ":2"), std::string::npos) << in_file;
  EXPECT_NE(in_file.find("max-conections"), std::string::npos) << in_file;
  EXPECT_NE(parse({"--config", dir.sub("missing.conf")}, c).find("cannot read"), std::string::npos);
  EXPECT_NE(parse({"--port", "70000"}, c).find("port"), std::string::npos);
  EXPECT_NE(parse({"--threads", "0"}, c).find("threads"), std::string::npos);
  EXPECT_NE(parse({"--wal-spare-mib", "5000"}, c).find("wal-spare-mib"), std::string::npos);
  EXPECT_EQ(parse({"--wal-spare-mib", "0"}, c), "");
  EXPECT_EQ(c.wal_spare_mib, 0u);
  EXPECT_NE(parse({"--max-frames-per-second", "x"}, c).find("max-frames-per-second"), std::string::npos);
  EXPECT_NE(parse({"--port"}, c).find("needs a value"), std::string::npos);
  EXPECT_NE(parse({"--bogus", "1"}, c).find("unknown option"), std::string::npos);
  EXPECT_NE(parse({"stray"}, c).find("unexpected argument"), std::string::npos);
  EXPECT_NE(parse({"--tls-cert", "a.pem"}, c).find("--tls-key"), std::string::npos) << "TLS needs both files";
}

}  // namespace
}  // namespace thidua::testing

namespace thidua::testing {
namespace {

TEST(server_config, the_first_office_is_an_organizer_and_a_unit_and_nothing_else) {
  api::server_config c;
  for (const char* wrong : {"BCA", "/BCA-X03", "BCA/", "BCA/BCA-X03/extra"})
    EXPECT_NE(parse({"--first-office", wrong}, c).find("first-office: invalid value"), std::string::npos)
        << wrong;
  EXPECT_EQ(parse({"--first-office", "BCA/BCA-X03", "--first-office-person", "Nguyễn Văn Hùng"}, c), "");
  EXPECT_EQ(c.first_office, "BCA/BCA-X03");
  EXPECT_EQ(c.first_office_person, "Nguyễn Văn Hùng");
}

}  // namespace
}  // namespace thidua::testing
