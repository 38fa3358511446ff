#include "tools/cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace thidua::cli {
namespace {

std::string duration_left(double seconds) {
  char buf[32];
  if (seconds < 90) {
    std::snprintf(buf, sizeof buf, "%.0f s", seconds);
  } else if (seconds < 5400) {
    std::snprintf(buf, sizeof buf, "%.0f min", seconds / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f h", seconds / 3600);
  }
  return buf;
}

}  // namespace

progress_bar::progress_bar(std::string what, std::uint64_t total, std::string unit)
    : progress_bar(std::move(what), total, std::move(unit),
                   {stderr, ::isatty(STDERR_FILENO) == 1, std::chrono::steady_clock::now}) {}

progress_bar::progress_bar(std::string what, std::uint64_t total, std::string unit, progress_output output)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      output_(std::move(output)),
      started_(output_.now()),
      last_(started_) {}

progress_bar::~progress_bar() {
  finish();
}

std::string progress_bar::line(std::uint64_t done, double seconds) const {
  char buf[160];
  if (total_ == 0) {
    std::snprintf(buf, sizeof buf, "%s: %llu %s, %.0f s", what_.c_str(),
                  static_cast<unsigned long long>(done), unit_.c_str(), seconds);
    return buf;
  }
  const double fraction = done >= total_ ? 1.0 : static_cast<double>(done) / static_cast<double>(total_);
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  const std::string left =
      rate > 0
          ? "about " + duration_left(static_cast<double>(total_ - std::min(done, total_)) / rate) + " left"
          : "estimating";
  std::string bar;
  if (output_.terminal) {
    constexpr int width = 24;
    const int filled = static_cast<int>(fraction * width);
    bar = " [" + std::string(static_cast<std::size_t>(filled), '#') +
          std::string(static_cast<std::size_t>(width - filled), '.') + "]";
  }
  std::snprintf(buf, sizeof buf, "%s%s %3.0f%% %llu of %llu %s, %s", what_.c_str(), bar.c_str(),
                fraction * 100, static_cast<unsigned long long>(done),
                static_cast<unsigned long long>(total_), unit_.c_str(), left.c_str());
  return buf;
}

void progress_bar::update(std::uint64_t done) {
  const auto now = output_.now();
  if (now - started_ < std::chrono::seconds(1)) return;
  const auto every = output_.terminal ? std::chrono::milliseconds(250) : std::chrono::milliseconds(10000);
  if (now - last_ < every && drawn_) return;
  last_ = now;
  const std::string text = line(done, std::chrono::duration<double>(now - started_).count());
  if (output_.terminal) {
    std::fprintf(output_.out, "\r\033[K%s", text.c_str());
  } else {
    std::fprintf(output_.out, "%s\n", text.c_str());
  }
  std::fflush(output_.out);
  drawn_ = true;
}

void progress_bar::finish() {
  if (drawn_ && output_.terminal) std::fputs("\r\033[K", output_.out);
  drawn_ = false;
}

}  // namespace thidua::cli
