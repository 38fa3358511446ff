// thidua-server on the power-cut file system (tests/support/power_cut_fs.h), for tests that cut its power:
//   power_cut_server JOURNAL [thidua-server's options]

#include <cstdio>
#include <memory>

#include "api/server/server_run.h"
#include "tests/support/power_cut_fs.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: power_cut_server JOURNAL [thidua-server options]\n");
    return 2;
  }
  auto fs = std::make_shared<thidua::testing::power_cut_fs>(argv[1]);
  // The journal's path is not the server's: argv[1] becomes the program's name.
  return thidua::api::run_server(argc - 1, argv + 1, std::move(fs));
}
