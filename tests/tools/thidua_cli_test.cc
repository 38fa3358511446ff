// Runs the real `thidua` binary against data dirs: backup, restore, verify, and verify on a tampered log.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "storage/event_log.h"
#include "storage/keys.h"
#include "tests/storage/log_test_util.h"
#include "tests/storage/raw_db.h"
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

  {
    testing::raw_db raw(db);
    std::string v;
    ASSERT_TRUE(raw.db()->Get({}, raw.events(), storage::keys::event_key(12), &v).ok());
    v[v.size() - 2] ^= 0x20;
    ASSERT_TRUE(raw.db()->Put({}, raw.events(), storage::keys::event_key(12), v).ok());
  }
  auto tampered = run("verify --data-dir " + db);
  EXPECT_EQ(tampered.status, 3) << tampered.out;
  EXPECT_NE(tampered.out.find("TAMPERED at position 12"), std::string::npos) << tampered.out;

  auto missing = run("verify --data-dir " + dir.sub("nothing-here"));
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.out.find("no event log"), std::string::npos) << missing.out;
  EXPECT_EQ(run("frobnicate --data-dir " + db).status, 2);
  EXPECT_EQ(run("backup --data-dir " + db).status, 2) << "--to is required";
}

}  // namespace
}  // namespace thidua
