#pragma once
// thidua-bench: benchmarks that report every figure beside a baseline measured in the same run.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "storage/result.h"

namespace thidua::storage {
class event_log;
}

namespace thidua::bench {

struct args {
  std::string dir;       // where databases are created (default: a fresh dir under /var/tmp)
  double seconds = 3.0;  // length of each timed phase
  std::size_t event_bytes = 500;
  std::uint64_t events = 1'000'000;  // `read`: events in the log it makes
  bool reuse = false;                // `read`: measure the log an earlier run left in `dir`
};

int run_log(const args& a);
int run_api(const args& a);
int run_read(const args& a);
int run_timers(const args& a);

// The event log with `in_flight` appends outstanding (each completion submits the next at once), `payload`
// bytes per event, for `seconds`: durable appends per second.
double log_appends(storage::event_log& log, int in_flight, std::size_t payload, double seconds,
                   const std::string& tag);

// What the bench cannot go on without (a baseline, the log it measures): says why and exits 1.
template <class T>
T or_exit(result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace thidua::bench
