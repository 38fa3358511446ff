#pragma once
// `thidua token create|list|revoke`: bearer tokens, each issue and revocation an event of the "tokens"
// stream naming who did it: through a running server, the token's holder (POST /v1/commands, GET
// /v1/tokens); on a data dir no server runs on, the operator (the OS user).

#include <string>

#include "tools/cli/server_link.h"

namespace thidua::cli {

struct token_options {
  std::string data_dir;
  server_options server;  // through a running server (tools/cli/server_link.h)
  std::string unit, person, rank, position, role, organizer, reads;  // create
  std::string id, reason;                                            // revoke
  bool new_log = false;  // create: may start an empty log (a data dir the server has not run on yet)
  bool json = false;
};

int token_create(const token_options& o);
int token_list(const token_options& o);
int token_revoke(const token_options& o);

}  // namespace thidua::cli
