// The WAL spare tests' child: opens the log, appends EVENTS acknowledged single-event appends, prints
// "<last position> <its hash hex> <WAL files on spares>" and kills itself with SIGKILL — the crash comes at a
// known point, after every append was acknowledged and before anything is closed.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "storage/event_log.h"

using namespace thidua;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: wal_child DATA_DIR SPARE_BYTES EVENTS PAYLOAD_BYTES\n");
    return 2;
  }
  storage::log_options options{.path = argv[1]};
  options.wal_spare_bytes = std::stoull(argv[2]);
  auto opened = storage::event_log::open(options);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto log = std::move(opened).value();
  const long events = std::stol(argv[3]);
  const std::string payload(std::stoul(argv[4]), 'w');
  std::uint64_t last = 0;
  for (long i = 0; i < events; ++i) {
    storage::append_request r;
    r.stream_id = "child-" + std::to_string(::getpid());
    r.command_id = r.stream_id + "-" + std::to_string(i);
    r.recorded_at_ms = 1'700'000'000'000;
    r.actor.set_unit_id("unit-1");
    r.events.push_back({"Thing.Happened", payload});
    auto done = log->append(std::move(r));
    if (!done) {
      std::fprintf(stderr, "append: %s\n", done.error().message.c_str());
      return 1;
    }
    last = done.value().last.value;
  }
  auto ev = log->read_all({last}, 1);
  if (!ev || ev.value().empty()) return 1;
  std::printf("%llu %s %llu\n", static_cast<unsigned long long>(last),
              storage::to_hex(ev.value()[0]->hash).c_str(),
              static_cast<unsigned long long>(log->stats().wal_files_on_spares));
  std::fflush(stdout);
  ::kill(::getpid(), SIGKILL);
  return 3;
}
