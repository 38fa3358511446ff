#pragma once
// `thidua import`: enters history recorded on paper — a file of steps, one JSON object per line
// (api/app/proto/history_import.proto) — into a data dir, each as the command that would have recorded it, by
// the actor who took it, under the domain's rules. It writes as many units, so it needs the data dir to
// itself (the server stopped). Stable command ids make it resumable: run again, it records only what is
// missing.

#include <string>

namespace thidua::cli {

struct import_options {
  std::string data_dir;
  std::string in;        // the file of steps
  bool new_log = false;  // the data dir holds no log yet: start one
  bool json = false;
};

int import_command(const import_options& o);

}  // namespace thidua::cli
