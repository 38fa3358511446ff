#pragma once
// `thidua token create|list|revoke`: bearer tokens, each issue and revocation an event of the "tokens"
// stream naming the operator (the OS user) who did it.

#include <string>

namespace thidua::cli {

struct token_options {
  std::string data_dir;
  std::string unit, person, rank, position, role, organizer, reads;  // create
  std::string id, reason;                                            // revoke
  bool new_log = false;  // create: may start an empty log (a data dir the server has not run on yet)
  bool json = false;
};

int token_create(const token_options& o);
int token_list(const token_options& o);
int token_revoke(const token_options& o);

}  // namespace thidua::cli
