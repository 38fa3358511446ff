#pragma once
// thidua-server's configuration: every option has a default, may be set in a config file (`key = value`
// lines, the option names without "--") and on the command line, which wins.

#include <cstdint>
#include <string>
#include <vector>

#include "api/net/http_server.h"
#include "api/net/server_log.h"

namespace thidua::api {

struct server_config {
  std::string data_dir = "./data";
  bool demo = true;
  // Size of the zeroed spare each WAL is written over (docs/storage.md); 0 turns spares off.
  std::uint32_t wal_spare_mib = 72;
  // The Ed25519 key that signs receipts (PEM, mode 0600), made on first start. Empty: receipt-key.pem in the
  // data dir.
  std::string receipt_key_file;
  // Where online backups (CreateBackup, `thidua backup` against the running server) go, one directory each.
  // Empty: "<data dir>-backups" beside the data dir (on the same disk, the copy hard-links the log's files).
  std::string backup_dir;
  // The organizer's office issued a token at start while the log holds none (--first-office BCA/BCA-X03),
  // its secret written to <data dir>/first-office-token.txt; empty: none.
  std::string first_office;
  std::string first_office_person = "Quản trị hệ thống";
  log_format log_as = log_format::text;  // --log-format
  std::string log_level = "info";        // trace, debug, info, warn, error, critical, off
  http_options http;
  // Webhook deliveries (docs/operations.md): the first retry waits about retry_base, doubling to retry_max;
  // suspend_after failures in a row suspend a webhook; each request may take `webhook_timeout`.
  std::uint32_t webhook_retry_base_ms = 1000;
  std::uint32_t webhook_retry_max_ms = 600'000;
  std::uint32_t webhook_suspend_after = 20;
  std::uint32_t webhook_timeout_seconds = 10;
  // PEM authorities that HTTPS webhook receivers' certificates are checked against; empty: the system's.
  std::string webhook_ca_file;
};

// The --help text: every option with its default.
std::string server_usage();

// What the command line asked for besides serving.
enum class server_request { serve, help, version };

// Reads the command line (and the config file it names with --config): `--opt value` or `--opt=value`.
// Returns an error message for people (an unknown option or key says which known one is nearest), empty on
// success.
std::string parse_server_config(const std::vector<std::string>& args, server_config& config,
                                server_request& request);

// "thidua-server 0.1.0 (commit 1a2b3c4d5e6f)".
std::string server_version();

}  // namespace thidua::api
