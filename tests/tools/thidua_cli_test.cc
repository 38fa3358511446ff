// Runs the real `thidua` binary against data dirs: backup, restore, verify, and verify on a tampered log.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "storage/event_log.h"
#include "tests/api/api_support.h"
#include "tests/engine/read_model.h"
#include "tests/storage/log_test_util.h"
#include "tests/storage/rocksdb/tamper.h"
#include "tests/support/test_support.h"

namespace thidua {
namespace {

struct run_result {
  int status;
  std::string out;      // standard output, then standard error
  std::string stdout_;  // standard output alone (what a script reads)
};

run_result run(const std::string& args) {
  const auto r = testing::run_cli(CLI_PATH, args);
  return {r.status, r.out + r.err, r.out};
}

TEST(thidua_cli, backup_restore_verify_and_tamper_detection) {
  testing::temp_dir dir;
  const std::string db = dir.sub("db");
  {
    auto log = storage::event_log::open(storage::log_options{.path = db});
    ASSERT_TRUE(log);
    for (int i = 0; i < 30; ++i)
      ASSERT_TRUE(log.value()->append(testing::make_append("s", "c" + std::to_string(i))));
  }
  auto ok = run("verify --data-dir " + db);
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("30 records"), std::string::npos) << ok.out;

  auto backup = run("backup --data-dir " + db + " --to " + dir.sub("bk"));
  EXPECT_EQ(backup.status, 0) << backup.out;
  auto restore = run("restore --from " + dir.sub("bk") + " --data-dir " + dir.sub("restored"));
  EXPECT_EQ(restore.status, 0) << restore.out;
  auto head = run("head --data-dir " + dir.sub("restored"));
  EXPECT_EQ(head.stdout_, "30\n");

  ASSERT_TRUE(testing::flip_a_bit_of_event(db, 12));
  auto tampered = run("verify --data-dir " + db);
  EXPECT_EQ(tampered.status, 3) << tampered.out;
  EXPECT_NE(tampered.out.find("TAMPERED at position 12"), std::string::npos) << tampered.out;

  auto missing = run("verify --data-dir " + dir.sub("nothing-here"));
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.out.find("no event log"), std::string::npos) << missing.out;
  EXPECT_EQ(run("frobnicate --data-dir " + db).status, 2);
  EXPECT_EQ(run("backup --data-dir " + db).status, 2) << "--to is required";
}

// `thidua rebuild catalog` killed (SIGKILL) in the middle: the next run resumes the same new version from
// its checkpoint, and what it builds equals a rebuild that ran through.
TEST(thidua_cli, a_rebuild_killed_in_the_middle_resumes_and_equals_one_that_ran_through) {
  testing::temp_dir dir;
  const std::string db = dir.sub("db");
  {
    auto log = storage::event_log::open(storage::log_options{.path = db});
    ASSERT_TRUE(log);
    for (int i = 0; i < 600; ++i)
      ASSERT_TRUE(log.value()->append(
          testing::make_append("s" + std::to_string(i % 3), "c" + std::to_string(i), 1000)));
  }
  ASSERT_EQ(run("rebuild catalog --data-dir " + db).status, 0) << "a first version to serve meanwhile";
  // Killed once the new version's checkpoint shows it under way: read beside the rebuilding process, through
  // a read-only open of the log (a rebuild of this log takes well under a second, before any progress line).
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::execl(CLI_PATH, CLI_PATH, "rebuild", "catalog", "--data-dir", db.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::uint64_t seen = 0;
  while (seen == 0 && std::chrono::steady_clock::now() < until) {
    auto reader = storage::event_log::open(storage::log_options{.path = db, .read_only = true});
    if (!reader) continue;
    if (auto at = reader.value()->projection_checkpoint("catalog.v6.g3"); at) seen = at.value().value;
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "it finished before the kill; the log is too short to test this";
  ASSERT_GT(seen, 0u);
  auto resumed = run("rebuild catalog --data-dir " + db);
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("resuming the rebuild of catalog.v6.g3 from position "), std::string::npos)
      << resumed.out;
  EXPECT_EQ(resumed.out.find("from position 0\n"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("now stored as catalog.v6.g3, 600000 events"), std::string::npos) << resumed.out;
  auto straight = run("rebuild catalog --data-dir " + db);
  ASSERT_EQ(straight.status, 0) << straight.out;
  EXPECT_NE(straight.out.find("now stored as catalog.v6.g4"), std::string::npos) << straight.out;
  auto log = storage::event_log::open(storage::log_options{.path = db, .create_if_missing = false});
  ASSERT_TRUE(log);
  const auto resumed_model = testing::read_model(*log.value(), "catalog.v6.g3");
  EXPECT_FALSE(resumed_model.empty());
  EXPECT_EQ(resumed_model, testing::read_model(*log.value(), "catalog.v6.g4"));
}

TEST(thidua_cli, token_create_list_revoke_and_the_secret_is_never_on_disk) {
  testing::temp_dir dir;
  const std::string db = dir.sub("db");
  auto created = run("token create --new-log --data-dir " + db +
                     " --unit CA-LangSon --person 'Nguyễn Văn A' --rank 'Đại tá' --role CHAIR");
  ASSERT_EQ(created.status, 0) << created.out;
  const auto at = created.out.find("token: ");
  ASSERT_NE(at, std::string::npos) << created.out;
  const std::string secret = created.out.substr(at + 7, created.out.find_first_of(" \n", at + 7) - (at + 7));
  ASSERT_GE(secret.size(), 32u) << "not a secret: " << created.out;
  const std::string id = created.out.substr(4, created.out.find('\n') - 4);

  auto bad = run("token create --data-dir " + db + " --unit CA-LangSon --person A --role KING");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.out.find("INVALID_ROLE"), std::string::npos) << bad.out;

  auto listed = run("token list --data-dir " + db);
  EXPECT_EQ(listed.status, 0);
  EXPECT_NE(listed.out.find(id), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("Nguyễn Văn A"), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find(secret), std::string::npos) << "list never shows a secret";

  const auto no_reason = run("token revoke --data-dir " + db + " --id " + id);
  EXPECT_EQ(no_reason.status, 2) << no_reason.out;
  EXPECT_NE(no_reason.out.find("missing --reason"), std::string::npos) << no_reason.out;
  const auto blank_reason = run("token revoke --data-dir " + db + " --id " + id + " --reason '   '");
  EXPECT_EQ(blank_reason.status, 2) << blank_reason.out;
  EXPECT_NE(blank_reason.out.find("revocation says why"), std::string::npos) << blank_reason.out;
  auto revoked = run("token revoke --data-dir " + db + " --id " + id + " --reason 'mất máy'");
  EXPECT_EQ(revoked.status, 0) << revoked.out;
  const auto after = run("token list --data-dir " + db);
  EXPECT_NE(after.out.find("revoked"), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("ISSUED BY"), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("mất máy"), std::string::npos) << "the reason is listed: " << after.out;
  const auto as_json = run("token list --json --data-dir " + db);
  EXPECT_EQ(as_json.status, 0);
  EXPECT_NE(as_json.out.find("\"revoke_reason\":\"mất máy\""), std::string::npos) << as_json.out;
  EXPECT_NE(as_json.out.find("\"person_name\":\"Nguyễn Văn A\""), std::string::npos) << as_json.out;
  EXPECT_EQ(run("token revoke --data-dir " + db + " --id tk-nope --reason x").status, 2);
  EXPECT_EQ(run("token list --data-dir " + dir.sub("none")).status, 1) << "list needs an existing log";

  // Nothing under the data dir holds the secret itself.
  auto grep = run("verify --data-dir " + db);
  EXPECT_EQ(grep.status, 0) << grep.out;
  // grep answers 0 when it finds, 1 when it does not, 2 when it failed: only 1 proves the absence. Shown
  // first to find the secret where it is.
  const auto grep_status = [&](const std::string& where) {
    const int status = std::system(("grep -rqF -- '" + secret + "' " + where).c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  const std::string control = dir.sub("control.txt");
  std::ofstream(control) << "token " << secret << "\n";
  ASSERT_EQ(grep_status(control), 0) << "the search cannot find the secret where it is";
  EXPECT_EQ(grep_status(db), 1) << "the secret is on disk (or grep failed)";
}

// The conventions people know: --help on every command, --version, --opt=value, what is missing named
// together, the nearest name for a typo, documented exit statuses.
TEST(thidua_cli, follows_the_usual_command_line_conventions) {
  testing::temp_dir dir;
  const std::string db = dir.sub("db");
  {
    auto log = storage::event_log::open(storage::log_options{.path = db});
    ASSERT_TRUE(log);
    for (int i = 0; i < 12; ++i)
      ASSERT_TRUE(log.value()->append(testing::make_append("s", "c" + std::to_string(i))));
  }
  for (const char* command : {"", "verify", "receipt", "head", "backup", "restore", "rebuild", "export",
                              "token", "token create", "token list", "token revoke"}) {
    const auto help = run(std::string(command) + " --help");
    EXPECT_EQ(help.status, 0) << command << ": " << help.out;
    EXPECT_NE(help.out.find("Usage:"), std::string::npos) << command << ": " << help.out;
    EXPECT_NE(help.out.find("Exit status"), std::string::npos) << command;
  }
  const auto version = run("--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.out.rfind("thidua 0.", 0), 0u) << version.out;
  EXPECT_NE(version.out.find("(commit "), std::string::npos) << version.out;

  const auto head = run("head --data-dir=" + db);
  EXPECT_EQ(head.status, 0) << head.out;
  EXPECT_EQ(head.stdout_, "12\n");
  EXPECT_EQ(run("head --json --data-dir " + db).stdout_, "{\"head\":12}\n");

  const auto missing = run("token create --data-dir " + db);
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.out.find("missing --unit, --person, --role"), std::string::npos) << missing.out;
  const auto option_typo = run("verify --dta-dir " + db);
  EXPECT_EQ(option_typo.status, 2);
  EXPECT_NE(option_typo.out.find("unknown option --dta-dir — did you mean --data-dir?"), std::string::npos)
      << option_typo.out;
  const auto command_typo = run("verfy --data-dir " + db);
  EXPECT_EQ(command_typo.status, 2);
  EXPECT_NE(command_typo.out.find("unknown command verfy — did you mean verify?"), std::string::npos)
      << command_typo.out;
  EXPECT_EQ(run("").status, 2) << "no command";
  const auto bad_value = run("export --data-dir " + db + " --organizer BCA --format xml");
  EXPECT_EQ(bad_value.status, 2);
  EXPECT_NE(bad_value.out.find("--format"), std::string::npos) << bad_value.out;
}

TEST(thidua_cli, what_only_reads_works_beside_a_running_writer_and_leaves_a_backup_byte_identical) {
  testing::temp_dir dir;
  const std::string db = dir.sub("db");
  auto writer = storage::event_log::open(storage::log_options{.path = db});
  ASSERT_TRUE(writer);
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(
        writer.value()->append(testing::make_append("s" + std::to_string(i % 2), "c" + std::to_string(i))));
  // The writer holds the data dir, as a running server does.
  EXPECT_EQ(run("head --data-dir " + db).stdout_, "30\n");
  const auto verified = run("verify --json --data-dir " + db);
  EXPECT_EQ(verified.status, 0) << verified.out;
  EXPECT_NE(verified.out.find("\"ok\":true"), std::string::npos) << verified.out;
  EXPECT_NE(verified.out.find("\"records\":30"), std::string::npos) << verified.out;
  EXPECT_EQ(run("token list --data-dir " + db).status, 0);
  const auto busy = run("token create --data-dir " + db + " --unit CA-SonLa --person A --role MEMBER");
  EXPECT_EQ(busy.status, 1);
  EXPECT_NE(busy.out.find("is in use"), std::string::npos) << busy.out;

  ASSERT_TRUE(writer.value()->backup_to(dir.sub("bk")));
  writer.value().reset();
  const auto before = testing::files_of(dir.sub("bk"));
  EXPECT_EQ(run("verify --data-dir " + dir.sub("bk")).status, 0);
  EXPECT_EQ(run("head --data-dir " + dir.sub("bk")).stdout_, "30\n");
  EXPECT_EQ(run("token list --data-dir " + dir.sub("bk")).status, 0);
  EXPECT_EQ(testing::files_of(dir.sub("bk")), before) << "reading a backup changed its files";
}

TEST(thidua_cli, a_token_for_a_mistyped_data_dir_is_refused_instead_of_starting_a_new_log) {
  testing::temp_dir dir;
  const std::string typo = dir.sub("daat");
  const auto refused = run("token create --data-dir " + typo + " --unit CA-SonLa --person A --role MEMBER");
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_NE(refused.out.find("no event log in " + typo), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("--new-log"), std::string::npos) << refused.out;
  EXPECT_EQ(refused.out.find("token: "), std::string::npos) << "no token printed";
  EXPECT_FALSE(std::filesystem::exists(typo));
  const auto first =
      run("token create --new-log --data-dir " + typo + " --unit CA-SonLa --person A --role MEMBER");
  EXPECT_EQ(first.status, 0) << first.out;
}

}  // namespace
}  // namespace thidua

namespace thidua {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(thidua_cli, a_receipt_proves_the_history_offline_and_refuses_a_rewritten_one) {
  testing::temp_dir dir;
  const std::string db = dir.sub("db");
  auto append = [&](int from, int n) {
    auto log = storage::event_log::open(storage::log_options{.path = db});
    ASSERT_TRUE(log);
    for (int i = from; i < from + n; ++i)
      ASSERT_TRUE(log.value()->append(testing::make_append("s", "c" + std::to_string(i))));
  };
  append(0, 30);
  EXPECT_EQ(run("receipt --data-dir " + db).status, 1) << "no key: the server makes it, not the CLI";
  // A key made by the standard tool: the receipt format is plain Ed25519 in PEM.
  const std::string key = db + "/receipt-key.pem";
  ASSERT_EQ(std::system(("openssl genpkey -algorithm ed25519 -out " + key + " 2>/dev/null && chmod 600 " +
                         key + " && openssl pkey -in " + key + " -pubout -out " + dir.sub("pub.pem"))
                            .c_str()),
            0);
  const auto issued = run("receipt --data-dir " + db + " 2>/dev/null > " + dir.sub("receipt.json"));
  ASSERT_EQ(issued.status, 0) << issued.out;
  const std::string receipt = slurp(dir.sub("receipt.json"));
  EXPECT_NE(receipt.find("\"position\": \"30\""), std::string::npos) << receipt;

  append(30, 5);  // later events do not change the history the receipt pins
  auto ok = run("verify --data-dir " + db + " --receipt " + dir.sub("receipt.json") + " --public-key " +
                dir.sub("pub.pem"));
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("ok: the history up to position 30"), std::string::npos) << ok.out;

  std::string moved = receipt;
  moved.replace(moved.find("\"30\""), 4, "\"29\"");
  std::ofstream(dir.sub("moved.json")) << moved;
  auto altered = run("verify --data-dir " + db + " --receipt " + dir.sub("moved.json") + " --public-key " +
                     dir.sub("pub.pem"));
  EXPECT_EQ(altered.status, 3) << altered.out;
  EXPECT_NE(altered.out.find("signature does not match"), std::string::npos) << altered.out;

  std::ofstream(dir.sub("junk.json")) << "{\"position\": \"thirty\"}";
  EXPECT_EQ(run("verify --data-dir " + db + " --receipt " + dir.sub("junk.json")).status, 2);

  ASSERT_TRUE(testing::rewrite_history_from(db, 10));
  auto chain = run("verify --data-dir " + db);
  EXPECT_EQ(chain.status, 0) << "the forger re-chained the log: " << chain.out;
  auto rewritten = run("verify --data-dir " + db + " --receipt " + dir.sub("receipt.json") +
                       " --public-key " + dir.sub("pub.pem"));
  EXPECT_EQ(rewritten.status, 3) << rewritten.out;
  EXPECT_NE(rewritten.out.find("NOT PROVEN"), std::string::npos) << rewritten.out;
  EXPECT_NE(rewritten.out.find("rewritten"), std::string::npos) << rewritten.out;
}

}  // namespace
}  // namespace thidua
