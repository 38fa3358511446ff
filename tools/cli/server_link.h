#pragma once
// Whether a `thidua` command talks to a running server or opens the data dir itself, and the talking.
//
// A server is used when one is named — --server, THIDUA_SERVER, or `server =` in the config file (--config,
// THIDUA_CONFIG, else ~/.config/thidua/cli.conf when it exists) — or when one runs on the --data-dir given:
// its lock is held and it left its address in <data dir>/server.url. The token comes from --token,
// THIDUA_TOKEN, --token-file, THIDUA_TOKEN_FILE or the config file's `token` / `token-file`. Otherwise the
// command opens the data dir. Either way it says on standard error which it did.

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <string_view>

#include "api/client/server_client.h"

namespace thidua::cli {

struct server_options {
  std::string server;      // --server / THIDUA_SERVER
  std::string token;       // --token / THIDUA_TOKEN
  std::string token_file;  // --token-file / THIDUA_TOKEN_FILE
  std::string ca_file;     // --ca-file / THIDUA_CA_FILE
  std::string config;      // --config / THIDUA_CONFIG
};

struct server_link {
  api::server_url url;
  api::client_options client;
};

enum class link_choice {
  server,    // `link` is set: talk to it
  data_dir,  // open the data dir
  failed,    // said why on standard error
};

struct link_needs {
  bool server = false;      // works only against a running server (status, tail)
  bool token = true;        // the server answers only with one (all but status and head)
  bool reads_only = false;  // a read-only open will do beside a process that holds the data dir without
                            // saying where it serves (head, token list)
};

// Chooses for `command`; says on standard error which it chose, or why it cannot.
link_choice choose_link(const std::string& command, server_options options, const std::string& data_dir,
                        link_needs needs, std::optional<server_link>& link);

// Whether a process holds the RocksDB lock of `data_dir` (a running server, or another thidua writing);
// nullopt when this user may not look (permission denied).
std::optional<bool> data_dir_in_use(const std::string& data_dir);

// One request to the server; a 200 answer's JSON body is read into `out` (may be null). Anything else is
// said on standard error, with the server's code, field and message; returns the exit status to end with
// (exit_ok when the answer was read).
int call_server(const std::string& command, const server_link& link, std::string_view method,
                std::string_view target, std::string_view body, google::protobuf::Message* out);

// Says on standard error why the server answered `answer` (not 200): its code, field and messages. Returns
// the exit status: exit_usage for a refusal (4xx), exit_failed otherwise.
int report_refusal(const std::string& command, const api::http_answer& answer);

// A command id no other command of this operator has: "cli-" and 24 random hex digits.
std::string new_command_id();

}  // namespace thidua::cli
