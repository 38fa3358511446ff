// Audit exports over the real server, read back by Python's urllib and csv (a client we did not write):
// streamed (chunked), CSV with a byte-order mark and RFC 4180 quoting, NDJSON, every page of a query,
// diacritics intact, and only the rows the token may read.

#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>
#include <tuple>
#include <utility>

#include "api/app/proto/queries.pb.h"
#include "tests/api/api_support.h"

namespace thidua::testing {
namespace {

class export_api : public demo_server_test {
 protected:
  struct exported {
    std::vector<std::string> lines;  // "<position>\t<person>\t<type>"
    std::string out;
    int status = -1;
  };
  // Runs a shell command; its exit status and everything it wrote.
  static std::pair<int, std::string> run(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return {-1, out};
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = ::pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
  }
  // The export at `url` (http:// or a file://) as Python's csv or json reads it.
  static exported read_with_python(const std::string& url, const std::string& token,
                                   const std::string& kind) {
    exported e;
    std::tie(e.status, e.out) = run(std::string("/usr/bin/python3 -O ") + EXPORT_READER_PATH + " '" + url +
                                    "' " + token + " " + kind);
    std::istringstream in(e.out);
    for (std::string line; std::getline(in, line);)
      if (!line.starts_with("rows ")) e.lines.push_back(line);
    return e;
  }
  exported read_export(const std::string& who, const std::string& target, const std::string& kind) {
    return read_with_python("http://127.0.0.1:" + std::to_string(server.port()) + target, tokens.at(who),
                            kind);
  }
  // The same lines from the JSON audit (every page).
  std::vector<std::string> expected(const std::string& who, const std::string& params) {
    std::vector<std::string> out;
    for (const auto& e : http_audit_pages(server.port(), tokens.at(who), params, 1000))
      out.push_back(std::to_string(e.event().position()) + "\t" + e.event().actor_person() + "\t" +
                    e.event().type());
    return out;
  }
};

constexpr const char* cluster_ii_2023 = "organizer_id=BCA&series=dia-phuong&year=2023&number=II";

TEST_F(export_api, csv_and_ndjson_parse_back_to_the_audit_s_rows_with_their_diacritics) {
  ASSERT_EQ(::access("/usr/bin/python3", X_OK), 0) << "python3 is missing: run tools/dev/setup-deps";
  const auto want = expected("MEMBER CA-SonLa", cluster_ii_2023);
  ASSERT_GE(want.size(), 30u);
  bool diacritics = false;
  for (const auto& l : want) diacritics |= l.find("Đại tá") != std::string::npos;
  ASSERT_TRUE(diacritics) << "the demo's people have Vietnamese names";
  // limit=7: the export stitches pages of 7 into one file.
  for (const std::string kind : {"csv", "ndjson"}) {
    const auto got =
        read_export("MEMBER CA-SonLa", "/v1/audit." + kind + "?" + cluster_ii_2023 + "&limit=7", kind);
    EXPECT_EQ(got.status, 0) << got.out;
    EXPECT_EQ(got.lines, want) << kind << ":\n" << got.out;
  }
}

TEST_F(export_api, another_cluster_s_member_exports_none_of_its_rows) {
  const auto csv = read_export("MEMBER CA-BacNinh", std::string("/v1/audit.csv?") + cluster_ii_2023, "csv");
  EXPECT_EQ(csv.status, 0) << csv.out;
  EXPECT_TRUE(csv.lines.empty()) << csv.out;
  const auto all = read_export("MEMBER CA-BacNinh", "/v1/audit.ndjson?organizer_id=BCA", "ndjson");
  EXPECT_EQ(all.status, 0) << all.out;
  EXPECT_EQ(all.lines, expected("MEMBER CA-BacNinh", "organizer_id=BCA"));
  for (const auto& l : all.lines) EXPECT_EQ(l.find("CA-SonLa"), std::string::npos) << l;
}

TEST_F(export_api, a_bad_filter_is_an_error_with_its_status_not_a_broken_file) {
  const std::string r = http_get(server.port(), "/v1/audit.csv?role=KING", tokens.at("MEMBER CA-SonLa"));
  EXPECT_NE(r.find("HTTP/1.1 400"), std::string::npos) << r;
  EXPECT_NE(r.find("\"field\":\"audit.role\""), std::string::npos) << r;
  EXPECT_EQ(r.find("chunked"), std::string::npos) << r;
  EXPECT_NE(http_get(server.port(), "/v1/audit.ndjson").find("HTTP/1.1 401"), std::string::npos);
  // The connection serves the next request after a streamed one (keep-alive, last chunk sent).
  const std::string two = http_exchange(
      server.port(),
      "GET /v1/audit.csv?organizer_id=BCA&limit=5 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
          tokens.at("MEMBER CA-SonLa") +
          "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(two.find("Transfer-Encoding: chunked"), std::string::npos) << two;
  EXPECT_NE(two.find("\r\n0\r\n\r\n"), std::string::npos) << "the last chunk";
  EXPECT_NE(two.find("\"status\":\"ok\""), std::string::npos) << two;
}

// `thidua export` on the data dir once the server stopped: the same rows, read back the same way.
TEST_F(export_api, thidua_export_writes_what_the_http_export_streams) {
  const auto want = expected("ORGANIZER_OFFICE BCA-X03", cluster_ii_2023);
  ASSERT_GE(want.size(), 30u);
  ASSERT_EQ(server.terminate(), 0) << server.output();
  const std::string thidua =
      std::string(CLI_PATH) + " export --data-dir " + dir.sub("data") + " --organizer BCA";
  for (const std::string kind : {"csv", "ndjson"}) {
    const std::string file = dir.sub("export." + kind);
    const auto [status, said] =
        run(thidua + " --series dia-phuong --year 2023 --number II --format " + kind + " --out " + file);
    ASSERT_EQ(status, 0) << said;
    EXPECT_NE(said.find("exported " + std::to_string(want.size()) + " entries"), std::string::npos) << said;
    const auto got = read_with_python("file://" + file, "-", kind);
    EXPECT_EQ(got.status, 0) << got.out;
    EXPECT_EQ(got.lines, want) << kind << ":\n" << got.out;
  }
  const auto [status, said] = run(thidua + " --role KING --out " + dir.sub("bad.csv"));
  EXPECT_EQ(status, 2) << said;
  EXPECT_NE(said.find("audit.role"), std::string::npos) << said;
}

}  // namespace
}  // namespace thidua::testing
