#pragma once
// thidua-bench: benchmarks that report every figure beside a baseline measured in the same run.

#include <chrono>
#include <string>
#include <vector>

namespace thidua::bench {

struct args {
  std::string dir;       // where databases are created (default: a fresh dir under /var/tmp)
  double seconds = 3.0;  // length of each timed phase
  std::size_t event_bytes = 500;
};

int run_log(const args& a);

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace thidua::bench
