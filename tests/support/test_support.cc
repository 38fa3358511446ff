#include "tests/support/test_support.h"

#include <unistd.h>

#include <atomic>
#include <random>

namespace thidua::testing {

temp_dir::temp_dir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  auto base =
      std::filesystem::temp_directory_path() / ("thidua-test-" + std::to_string(::getpid()) + "-" +
                                                std::to_string(counter++) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(base);
  path_ = base.string();
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace thidua::testing
