// `thidua import`: a year of a cluster kept on paper entered from a file of steps, each by its own actor
// under the domain's rules; a refused step stops the import naming its line and code, and the import run
// again after the fix goes on from there; a malformed line is refused whole; a running server keeps the data
// dir.

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/api/api_support.h"
#include "tests/support/test_support.h"

namespace thidua {
namespace {

struct run_result {
  int status;
  std::string out;  // standard output, then standard error
};

run_result run(const std::string& args) {
  const auto r = testing::run_cli(CLI_PATH, args);
  return {r.status, r.out + r.err};
}

const std::string key = R"("cycle":{"organizer_id":"BCA","series":"dia-phuong","number":"II","year":2022})";

std::string office(const std::string& id, const std::string& command) {
  return R"({"command_id":")" + id +
         R"(","actor":{"unit_id":"BCA-X03","person_name":"Cán bộ thường trực thi đua","role":"ORGANIZER_OFFICE",)"
         R"("organizer_id":"BCA"},"cycle":{)" +
         key + "," + command + "}}";
}
std::string by(const std::string& unit, const std::string& role, const std::string& id,
               const std::string& command) {
  return R"({"command_id":")" + id + R"(","actor":{"unit_id":")" + unit +
         R"(","person_name":"Đại tá Nguyễn Văn A","role":")" + role + R"("},"cycle":{)" + key + "," +
         command + "}}";
}
std::string sign(const std::string& unit, const std::string& role) {
  return by(
      unit, role, "ii-2022-sign-" + unit,
      R"("sign_pledge":{"unit_id":")" + unit +
          R"(","date":"2022-03-15","signatory":{"name":"Nguyễn Văn A","rank":"Đại tá","position":"Giám đốc"}})");
}

// Cluster II's 2022: opened, launched, its pledge adopted and signed by all four — as the minutes say.
std::vector<std::string> cluster_ii_2022() {
  return {
      "# Cụm thi đua số II năm 2022, theo biên bản giấy",
      office(
          "ii-2022-open",
          R"("open":{"cluster_name":"Cụm thi đua số II - Bộ Công an","movement":"Vì an ninh Tổ quốc",)"
          R"("member_unit_ids":["CA-LaiChau","CA-SonLa","CA-DienBien","CA-LaoCai"],"chair_unit_id":"CA-LaiChau",)"
          R"("vice_chair_unit_id":"CA-SonLa","date":"2022-01-10"})"),
      by("CA-LaiChau", "CHAIR", "ii-2022-launch",
         R"("launch_conference":{"date":"2022-03-15","place":"Lai Châu"})"),
      "",
      by("CA-LaiChau", "CHAIR", "ii-2022-contents",
         R"("adopt_pledge_contents":{"contents":[{"text":"Giữ vững an ninh chính trị, trật tự an toàn xã hội"}]})"),
      sign("CA-LaiChau", "CHAIR"),
      sign("CA-SonLa", "VICE_CHAIR"),
      sign("CA-DienBien", "MEMBER"),
      sign("CA-LaoCai", "MEMBER"),
  };
}

void write(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path);
  for (const auto& l : lines) out << l << "\n";
}

class import_test : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::server_process demo(data);  // an empty dir gets the demo data: the units of the registry
    ASSERT_GT(demo.port(), 0) << demo.output();
    ASSERT_EQ(demo.terminate(), 0);
  }
  testing::temp_dir dir;
  const std::string data = dir.sub("data"), file = dir.sub("cum-ii-2022.ndjson");
};

TEST_F(import_test, a_refused_step_stops_the_import_naming_its_line_and_the_import_goes_on_after_the_fix) {
  auto lines = cluster_ii_2022();
  // Dien Bien's officer signs for Lao Cai: the domain refuses it.
  const std::string wrong =
      by("CA-DienBien", "MEMBER", "ii-2022-sign-CA-LaoCai",
         R"("sign_pledge":{"unit_id":"CA-LaoCai","signatory":{"name":"Nguyễn Văn B"}})");
  lines[8] = wrong;
  write(file, lines);
  const auto refused = run("import --data-dir " + data + " --in " + file);
  EXPECT_EQ(refused.status, 2) << refused.out;
  EXPECT_NE(refused.out.find("line 9 (ii-2022-sign-CA-LaoCai): NOT_OWN_UNIT"), std::string::npos)
      << refused.out;
  EXPECT_NE(refused.out.find("run the import again"), std::string::npos) << refused.out;

  lines = cluster_ii_2022();
  write(file, lines);
  const auto fixed = run("import --data-dir " + data + " --in " + file + " --json");
  EXPECT_EQ(fixed.status, 0) << fixed.out;
  EXPECT_NE(fixed.out.find(R"("imported":1)"), std::string::npos) << fixed.out;
  EXPECT_NE(fixed.out.find(R"("already_recorded":6)"), std::string::npos) << fixed.out;
  const auto again = run("import --data-dir " + data + " --in " + file);
  EXPECT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("imported 0 steps"), std::string::npos) << again.out;

  // The server reads the year as if it had been recorded as it happened, each step by its own actor.
  testing::server_process server(data);
  ASSERT_GT(server.port(), 0) << server.output();
  const auto tokens = testing::demo_tokens(data);
  const auto& bca = tokens.at("ORGANIZER_OFFICE BCA-X03");
  const auto head = testing::http_query_result(testing::http_get(server.port(), "/v1/inbox", bca)).head();
  const auto q = testing::http_query_result(testing::http_get(
      server.port(), "/v1/cycles/BCA/dia-phuong/2022/II/full?at_least_position=" + std::to_string(head),
      bca));
  const auto& full = q.cycle_in_full();
  ASSERT_EQ(full.signatures_size(), 4) << q.DebugString();
  for (const auto& cell : full.signatures()) EXPECT_TRUE(cell.signed_()) << cell.unit_id();
  std::vector<std::string> who;
  for (const auto& step : full.timeline()) who.push_back(step.type() + " " + step.actor_unit_id());
  EXPECT_EQ(who, (std::vector<std::string>{"CycleOpened BCA-X03", "LaunchConferenceHeld CA-LaiChau",
                                           "PledgeContentsAdopted CA-LaiChau", "PledgeSigned CA-LaiChau",
                                           "PledgeSigned CA-SonLa", "PledgeSigned CA-DienBien",
                                           "PledgeSigned CA-LaoCai", "PledgeActivated CA-LaoCai"}));

  // While it runs, the data dir is the server's.
  const auto busy = run("import --data-dir " + data + " --in " + file);
  EXPECT_EQ(busy.status, 1) << busy.out;
  EXPECT_NE(busy.out.find("in use by a running server"), std::string::npos) << busy.out;
}

TEST_F(import_test, a_line_that_is_not_a_step_is_refused_whole_and_names_what_is_wrong) {
  const auto head_before = run("head --data-dir " + data).out;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {office("ii-2022-open", R"("opne":{})"), "line 1: not a step"},
      {R"({"command_id":"x","actor":{"unit_id":"BCA-X03","role":"ORGANIZER_OFFICE"}})",
       "line 1 (x): no command"},
      {R"({"actor":{"unit_id":"BCA-X03"},"cycle":{}})", "line 1: command_id is missing"},
      {R"({"command_id":"y","cycle":{}})", "line 1 (y): actor.unit_id is missing"},
      // The server's own deadline timer is no actor a file may name.
      {R"({"command_id":"z","actor":{"unit_id":"@timer"},"cycle":{"cycle":{"organizer_id":"BCA","series":"dia-phuong","number":"II","year":2023},"note_deadline":{"step":"launch","notice":"NOTICE_OVERDUE","date":"2023-03-31"}}})",
       "line 1 (z): actor.role is missing"},
      {"{not json", "line 1: not a step"},
  };
  for (const auto& [line, said] : bad) {
    write(file, {line});
    const auto r = run("import --data-dir " + data + " --in " + file);
    EXPECT_EQ(r.status, 2) << line << "\n" << r.out;
    EXPECT_NE(r.out.find(said), std::string::npos) << line << "\n" << r.out;
  }
  EXPECT_EQ(run("head --data-dir " + data).out, head_before) << "nothing was recorded";
  const auto missing = run("import --data-dir " + data + " --in " + dir.sub("no-such.ndjson"));
  EXPECT_EQ(missing.status, 1) << missing.out;
  EXPECT_NE(missing.out.find("check --in"), std::string::npos) << missing.out;
}

}  // namespace
}  // namespace thidua
