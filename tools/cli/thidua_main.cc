// thidua: the operator's command line. Works on a data dir directly (the server must not be running on it).

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "storage/event_log.h"

namespace {

using thidua::storage::event_log;
using thidua::storage::log_options;

void usage() {
  std::puts(
      "usage: thidua <command> [options]\n"
      "  verify  --data-dir DIR                check the hash chain; names the first altered record\n"
      "  backup  --data-dir DIR --to BACKUP    consistent copy of the log (BACKUP must not exist)\n"
      "  restore --from BACKUP --data-dir DIR  copy a backup into an empty data dir and check it\n"
      "  head    --data-dir DIR                the last position in the log\n"
      "Exit status: 0 ok, 1 failure (the message says why), 2 bad command line, 3 verify found tampering.");
}

struct args {
  std::string data_dir, to, from;
};

bool parse(int argc, char** argv, args& a) {
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) {
      std::fprintf(stderr, "thidua: %s needs a value\n", argv[i]);
      return false;
    }
    std::string opt = argv[i], val = argv[i + 1];
    if (opt == "--data-dir") {
      a.data_dir = val;
    } else if (opt == "--to") {
      a.to = val;
    } else if (opt == "--from") {
      a.from = val;
    } else {
      std::fprintf(stderr, "thidua: unknown option %s\n", opt.c_str());
      return false;
    }
  }
  return true;
}

int fail(const thidua::error& e) {
  std::fprintf(stderr, "thidua: %s\n", e.message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage();
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  args a;
  if (!parse(argc, argv, a)) return 2;
  if (command == "restore") {
    if (a.from.empty() || a.data_dir.empty()) {
      std::fprintf(stderr, "thidua restore: --from and --data-dir are required\n");
      return 2;
    }
    if (auto r = event_log::restore(a.from, a.data_dir); !r) return fail(r.error());
    std::printf("restored %s into %s\n", a.from.c_str(), a.data_dir.c_str());
    return 0;
  }
  if (a.data_dir.empty()) {
    std::fprintf(stderr, "thidua %s: --data-dir is required\n", command.c_str());
    return 2;
  }
  if (command != "verify" && command != "backup" && command != "head") {
    std::fprintf(stderr, "thidua: unknown command %s (see --help)\n", command.c_str());
    return 2;
  }
  auto opened = event_log::open(log_options{.path = a.data_dir, .create_if_missing = false});
  if (!opened) return fail(opened.error());
  auto log = std::move(opened).value();
  if (command == "head") {
    std::printf("%llu\n", static_cast<unsigned long long>(log->head().value));
    return 0;
  }
  if (command == "backup") {
    if (a.to.empty()) {
      std::fprintf(stderr, "thidua backup: --to is required\n");
      return 2;
    }
    if (auto r = log->backup_to(a.to); !r) return fail(r.error());
    std::printf("backed up %llu events to %s\n", static_cast<unsigned long long>(log->head().value),
                a.to.c_str());
    return 0;
  }
  auto report = log->verify({1}, {UINT64_MAX});
  if (!report) return fail(report.error());
  if (!report.value().ok) {
    std::printf("TAMPERED at position %llu: %s\n",
                static_cast<unsigned long long>(report.value().first_bad.value), report.value().what.c_str());
    return 3;
  }
  std::printf("ok: %llu records, chain intact up to position %llu\n",
              static_cast<unsigned long long>(report.value().records),
              static_cast<unsigned long long>(report.value().last_checked.value));
  return 0;
}
