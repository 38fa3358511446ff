// thidua-server on a file system of the tests, for tests of what the server does when the disk does:
//   power_cut_server journal=PATH [thidua-server's options]    — the power-cut file system (power_cut_fs.h)
//   power_cut_server fail-while=PATH [thidua-server's options] — every WAL write fails while PATH exists

#include <cstdio>
#include <memory>
#include <string>

#include "api/server/server_run.h"
#include "tests/support/failing_wal_fs.h"
#include "tests/support/power_cut_fs.h"

int main(int argc, char** argv) {
  const std::string mode = argc >= 2 ? argv[1] : "";
  std::shared_ptr<rocksdb::FileSystem> fs;
  if (mode.starts_with("journal="))
    fs = std::make_shared<thidua::testing::power_cut_fs>(mode.substr(8));
  else if (mode.starts_with("fail-while="))
    fs = std::make_shared<thidua::testing::failing_wal_fs>(mode.substr(11));
  if (!fs) {
    std::fprintf(stderr, "usage: power_cut_server journal=PATH|fail-while=PATH [thidua-server options]\n");
    return 2;
  }
  // The mode is not the server's: argv[1] becomes the program's name.
  return thidua::api::run_server(argc - 1, argv + 1, std::move(fs));
}
