#include "tests/support/test_support.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
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

std::map<std::string, std::string> files_of(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    std::string what = "dir";
    if (f.is_regular_file()) {
      std::ifstream in(f.path(), std::ios::binary);
      what = std::string(std::istreambuf_iterator<char>(in), {}) + " @" +
             std::to_string(f.last_write_time().time_since_epoch().count());
    }
    out[f.path().lexically_relative(dir).string()] = what;
  }
  return out;
}

}  // namespace thidua::testing
