// Runs the real `thidua` binary against data dirs: backup, restore, verify, and verify on a tampered log.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "storage/event_log.h"
#include "tests/engine/read_model.h"
#include "tests/storage/log_test_util.h"
#include "tests/storage/rocksdb/tamper.h"
#include "tests/support/test_support.h"

namespace thidua {
namespace {

struct run_result {
  int status;
  std::string out;
};

run_result run(const std::string& args) {
  run_result r{-1, {}};
  FILE* p = ::popen((std::string(CLI_PATH) + " " + args + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
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
  EXPECT_EQ(head.out, "30\n");

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
    for (int i = 0; i < 300; ++i)
      ASSERT_TRUE(log.value()->append(
          testing::make_append("s" + std::to_string(i % 3), "c" + std::to_string(i), 1000)));
  }
  ASSERT_EQ(run("rebuild catalog --data-dir " + db).status, 0) << "a first version to serve meanwhile";
  // Killed once its progress shows it under way (it reports each second).
  const std::string log_file = dir.sub("rebuild.out");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string out = log_file;
    std::freopen(out.c_str(), "w", stderr);
    ::execl(CLI_PATH, CLI_PATH, "rebuild", "catalog", "--data-dir", db.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string progress;
  while (progress.find("rebuilding catalog.v5.g3") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream in(log_file);
    progress.assign(std::istreambuf_iterator<char>(in), {});
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "it finished before the kill; the log is too short to test this: "
                                   << progress;
  auto resumed = run("rebuild catalog --data-dir " + db);
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("resuming the rebuild of catalog.v5.g3 from position "), std::string::npos)
      << resumed.out;
  EXPECT_EQ(resumed.out.find("from position 0\n"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("now stored as catalog.v5.g3, 300000 events"), std::string::npos) << resumed.out;
  auto straight = run("rebuild catalog --data-dir " + db);
  ASSERT_EQ(straight.status, 0) << straight.out;
  EXPECT_NE(straight.out.find("now stored as catalog.v5.g4"), std::string::npos) << straight.out;
  auto log = storage::event_log::open(storage::log_options{.path = db, .create_if_missing = false});
  ASSERT_TRUE(log);
  const auto resumed_model = testing::read_model(*log.value(), "catalog.v5.g3");
  EXPECT_FALSE(resumed_model.empty());
  EXPECT_EQ(resumed_model, testing::read_model(*log.value(), "catalog.v5.g4"));
}

TEST(thidua_cli, token_create_list_revoke_and_the_secret_is_never_on_disk) {
  testing::temp_dir dir;
  const std::string db = dir.sub("db");
  auto created = run("token create --data-dir " + db +
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
  EXPECT_NE(no_reason.out.find("revocation says why"), std::string::npos) << no_reason.out;
  auto revoked = run("token revoke --data-dir " + db + " --id " + id + " --reason 'mất máy'");
  EXPECT_EQ(revoked.status, 0) << revoked.out;
  EXPECT_NE(run("token list --data-dir " + db).out.find("revoked"), std::string::npos);
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
