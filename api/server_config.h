#pragma once
// thidua-server's configuration: every option has a default, may be set in a config file (`key = value`
// lines, the option names without "--") and on the command line, which wins.

#include <string>
#include <vector>

#include "api/http_server.h"

namespace thidua::api {

struct server_config {
  std::string data_dir = "./data";
  bool demo = true;
  http_options http;
};

// The --help text: every option with its default.
std::string server_usage();

// Reads the command line (and the config file it names with --config). Returns an error message for people,
// empty on success; `help` is set when --help was asked for.
std::string parse_server_config(const std::vector<std::string>& args, server_config& config, bool& help);

}  // namespace thidua::api
