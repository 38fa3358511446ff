#pragma once
// `thidua verify|receipt|head|backup|restore|rebuild`: the log itself — its chain, receipts, copies and read
// models. verify, receipt and head open the data dir read-only: beside a running server, or on a backup,
// they change no byte of it. restore writes only into an empty dir.

#include <string>

#include "tools/cli/server_link.h"

namespace thidua::cli {

struct log_command_options {
  std::string data_dir;
  server_options server;                         // head, backup: through a running server
  std::string name;                              // backup --name (through a server)
  std::string receipt, public_key, receipt_key;  // verify --receipt, receipt
  std::string to, from;                          // backup --to, restore --from
  std::string model;                             // rebuild
  bool json = false;
};

int verify_command(const log_command_options& o);
int receipt_command(const log_command_options& o);
int head_command(const log_command_options& o);
int backup_command(const log_command_options& o);
int restore_command(const log_command_options& o);
int rebuild_command(const log_command_options& o);

}  // namespace thidua::cli
