// The CLI's progress bar (tools/cli/progress.h) drawn on a file with a clock the test moves: nothing in the
// first second, then the bar with its estimate redrawn in place on a terminal, a plain line every 10 s
// elsewhere, and the line taken off at the end.

#include "tools/cli/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace thidua::cli {
namespace {

using namespace std::chrono_literals;

class progress_test : public ::testing::Test {
 protected:
  void TearDown() override { std::fclose(file_); }
  progress_output output(bool terminal) {
    return {file_, terminal, [this] { return now_; }};
  }
  std::string written() {
    std::fflush(file_);
    std::string out(static_cast<std::size_t>(std::ftell(file_)), '\0');
    std::rewind(file_);
    out.resize(std::fread(out.data(), 1, out.size(), file_));
    std::fseek(file_, 0, SEEK_END);
    return out;
  }
  std::FILE* file_ = std::tmpfile();
  std::chrono::steady_clock::time_point now_{};
};

TEST_F(progress_test, a_terminal_gets_nothing_in_the_first_second_then_the_bar_redrawn_in_place) {
  {
    progress_bar bar("verifying", 1'000'000, "records", output(true));
    now_ += 900ms;
    bar.update(400'000);
    EXPECT_EQ(written(), "") << "work done within a second shows nothing";
    now_ += 100ms;
    bar.update(450'000);  // 450,000 in 1 s: the other 550,000 in about 1.2 s
    EXPECT_EQ(written(),
              "\r\033[Kverifying [##########..............]  45% 450000 of 1000000 records, about 1 s left");
    const std::string first = written();
    now_ += 100ms;
    bar.update(500'000);
    EXPECT_EQ(written(), first) << "not redrawn within a quarter of a second";
    now_ += 200ms;
    bar.update(1'000'000);
    EXPECT_TRUE(
        written().ends_with("\r\033[Kverifying [########################] 100% 1000000 of 1000000 records, "
                            "about 0 s left"))
        << written();
  }
  EXPECT_TRUE(written().ends_with("\r\033[K")) << "the bar is taken off the line at the end";
}

TEST_F(progress_test, elsewhere_a_plain_line_every_ten_seconds_and_minutes_for_long_work) {
  progress_bar bar("restoring", 6000, "MB", output(false));
  now_ += 2s;
  bar.update(20);  // 10 MB/s: 5,980 MB left is about 10 min
  now_ += 5s;
  bar.update(70);
  now_ += 5s;
  bar.update(120);
  bar.finish();
  EXPECT_EQ(written(),
            "restoring   0% 20 of 6000 MB, about 10 min left\n"
            "restoring   2% 120 of 6000 MB, about 10 min left\n");
}

TEST_F(progress_test, without_a_total_it_counts_and_gives_no_estimate) {
  progress_bar bar("importing", 0, "KB", output(false));
  now_ += 3s;
  bar.update(512);
  EXPECT_EQ(written(), "importing: 512 KB, 3 s\n");
}

}  // namespace
}  // namespace thidua::cli
