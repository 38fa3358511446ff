#pragma once
// A progress bar with an estimate of the time left, on standard error, for the CLI's long work (verify,
// restore, rebuild, export). On a terminal it redraws one line in place; otherwise (a log, a pipe) it writes
// a line every 10 s. Work done within a second shows nothing.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace thidua::cli {

// Where a bar is drawn and what time it is: standard error and the steady clock, or a test's.
struct progress_output {
  std::FILE* out = stderr;
  bool terminal = false;
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
};

class progress_bar {
 public:
  // `what`: "verifying"; `total` in `unit`s ("records", "MB"): 0 when not known (then no bar, no estimate).
  // On standard error (a terminal or not, as it is).
  progress_bar(std::string what, std::uint64_t total, std::string unit);
  progress_bar(std::string what, std::uint64_t total, std::string unit, progress_output output);
  ~progress_bar();
  progress_bar(const progress_bar&) = delete;
  progress_bar& operator=(const progress_bar&) = delete;

  void set_total(std::uint64_t total) { total_ = total; }
  // `done` of the total so far; cheap to call often.
  void update(std::uint64_t done);
  // Takes the bar off the terminal's line (also done by the destructor).
  void finish();

 private:
  std::string line(std::uint64_t done, double seconds) const;
  std::string what_, unit_;
  std::uint64_t total_;
  progress_output output_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point started_, last_;
};

}  // namespace thidua::cli
