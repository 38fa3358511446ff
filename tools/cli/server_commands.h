#pragma once
// `thidua status` and `thidua tail`: a running server seen from the terminal — how it is doing, and a
// cluster's events as they happen.

#include <cstdint>
#include <string>

#include "tools/cli/server_link.h"

namespace thidua::cli {

struct status_options {
  std::string data_dir;
  server_options server;
  bool json = false;
};

struct tail_options {
  std::string data_dir;
  server_options server;
  std::string organizer, series, number, unit;  // which events (as a subscription filters them)
  std::uint32_t year = 0;
  std::uint64_t from = 0;        // the first position; 0: where the last tail of this filter stopped, else 1
  std::string state_file;        // where it remembers that; empty: ~/.local/state/thidua/tail-<filter>
  bool until_caught_up = false;  // stop once the history is shown instead of following
  bool json = false;             // each event as one line of JSON (its EventEnvelope)
};

int status_command(const status_options& o);
int tail_command(const tail_options& o);

}  // namespace thidua::cli
