#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "tools/bench/bench.h"

namespace {

void usage() {
  std::puts(
      "usage: thidua-bench log|api|read|timers [--dir DIR] [--seconds S] [--event-bytes N] [--events N]\n"
      "  log   appends/s with 1, 16 and 64 appends in flight (sync durability) and replay events/s,\n"
      "        each beside raw RocksDB measured in the same run on the same disk.\n"
      "  api   the real thidua-server over loopback WebSocket: commands/s and p50/p99 with 1, 16 and 64\n"
      "        clients, fan-out latency to 1,000 subscribers at 100 events/s, RSS with 10,000 idle\n"
      "        connections; beside log appends with 16 appenders measured in the same run.\n"
      "  read  on a log of --events events (default 1,000,000): the catalog built from position 1, as-of\n"
      "        p99 for a cycle at a random past position, a unit's year in the audit, CSV export; beside\n"
      "        a raw RocksDB scan of the same log in the same run.\n"
      "  timers 100,000 commands that set a timer beside 100,000 that set none, then all 100,000 due in the\n"
      "        same second fired; --events appends (default 1,000,000) with a timer each beside as many\n"
      "        without: bytes on disk per timer and memory.\n"
      "  --dir          where to create the databases (default: a new dir under /var/tmp, removed after)\n"
      "  --seconds      length of each timed phase (default: 3)\n"
      "  --event-bytes  size of one stored event (default: 500)\n"
      "  --reuse yes    read: measure the log an earlier `read --dir DIR` left in DIR (not made again)");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    usage();
    return argc < 2 ? 2 : 0;
  }
  std::string what = argv[1];
  thidua::bench::args a;
  bool own_dir = true;
  for (int i = 2; i < argc; ++i) {
    std::string opt = argv[i];
    if (opt == "--help" || opt == "-h") {
      usage();
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n", opt.c_str());
      return 2;
    }
    std::string val = argv[++i];
    if (opt == "--dir") {
      a.dir = val;
      own_dir = false;
    } else if (opt == "--seconds") {
      a.seconds = std::stod(val);
    } else if (opt == "--event-bytes") {
      a.event_bytes = std::stoul(val);
    } else if (opt == "--reuse") {
      a.reuse = val == "yes";
    } else if (opt == "--events") {
      a.events = std::stoull(val);
    } else {
      std::fprintf(stderr, "unknown option %s\n", opt.c_str());
      return 2;
    }
  }
  if (own_dir) a.dir = "/var/tmp/thidua-bench-" + std::to_string(::getpid());
  // Each run starts from nothing: an earlier run's logs and tokens would change what is measured.
  if (std::error_code ec;
      !own_dir && !a.reuse && std::filesystem::exists(a.dir, ec) && !std::filesystem::is_empty(a.dir, ec)) {
    std::fprintf(stderr, "--dir %s is not empty; give an empty or new directory\n", a.dir.c_str());
    return 2;
  }
  int rc = 2;
  if (what == "log") {
    rc = thidua::bench::run_log(a);
  } else if (what == "api") {
    rc = thidua::bench::run_api(a);
  } else if (what == "read") {
    rc = thidua::bench::run_read(a);
  } else if (what == "timers") {
    rc = thidua::bench::run_timers(a);
  } else {
    usage();
  }
  if (own_dir) std::filesystem::remove_all(a.dir);
  return rc;
}
