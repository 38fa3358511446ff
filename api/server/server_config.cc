#include "api/server/server_config.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <utility>

#include "api/app/build_info.h"
#include "api/app/first_office_token.h"
#include "api/server/nearest_name.h"

namespace thidua::api {
namespace {

template <class T>
bool parse_number(const std::string& v, T min, T max, T& out) {
  T n{};
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < min || n > max) return false;
  out = n;
  return true;
}

bool parse_bool(const std::string& v, bool& out) {
  if (v == "true" || v == "yes" || v == "1") {
    out = true;
  } else if (v == "false" || v == "no" || v == "0") {
    out = false;
  } else {
    return false;
  }
  return true;
}

// Every option's name (without "--"), as a config file's key or after "--".
const std::vector<std::string>& option_names() {
  static const std::vector<std::string> names = {"config",
                                                 "data-dir",
                                                 "listen",
                                                 "port",
                                                 "threads",
                                                 "wal-spare-mib",
                                                 "demo",
                                                 "no-demo",
                                                 "idle-timeout",
                                                 "max-connections",
                                                 "send-buffer",
                                                 "max-unauthenticated",
                                                 "auth-timeout",
                                                 "frame-timeout",
                                                 "max-frames-per-second",
                                                 "max-subscriptions",
                                                 "heartbeat",
                                                 "webhook-retry-base-ms",
                                                 "webhook-retry-max-ms",
                                                 "webhook-suspend-after",
                                                 "webhook-timeout",
                                                 "webhook-ca-file",
                                                 "tls-cert",
                                                 "tls-key",
                                                 "receipt-key",
                                                 "backup-dir",
                                                 "first-office",
                                                 "first-office-person",
                                                 "log-format",
                                                 "log-level",
                                                 "help",
                                                 "version"};
  return names;
}

std::string unknown(const std::string& what, const std::string& name, const std::string& prefix) {
  const std::string near = nearest_name(name, option_names());
  return "unknown " + what + " " + prefix + name +
         (near.empty() ? "" : " — did you mean " + prefix + near + "?") + " (see --help)";
}

// Applies one option; returns an error message or empty.
std::string apply(const std::string& key, const std::string& value, server_config& c) {
  bool ok = true;
  if (key == "data-dir") {
    ok = !value.empty();
    c.data_dir = value;
  } else if (key == "listen") {
    ok = !value.empty();
    c.http.address = value;
  } else if (key == "port") {
    ok = parse_number<std::uint16_t>(value, 0, 65535, c.http.port);
  } else if (key == "threads") {
    ok = parse_number(value, 1, 64, c.http.threads);
  } else if (key == "wal-spare-mib") {
    ok = parse_number<std::uint32_t>(value, 0, 4096, c.wal_spare_mib);
  } else if (key == "demo") {
    ok = parse_bool(value, c.demo);
  } else if (key == "idle-timeout") {
    ok = parse_number(value, 1, 3600, c.http.idle_timeout_seconds);
  } else if (key == "max-connections") {
    ok = parse_number<std::size_t>(value, 1, 1'000'000, c.http.max_connections);
  } else if (key == "send-buffer") {
    ok = parse_number(value, 4096, 64 * 1024 * 1024, c.http.send_buffer_bytes);
  } else if (key == "max-unauthenticated") {
    ok = parse_number<std::size_t>(value, 1, 1'000'000, c.http.max_unauthenticated);
  } else if (key == "auth-timeout") {
    ok = parse_number(value, 1, 3600, c.http.auth_timeout_seconds);
  } else if (key == "frame-timeout") {
    ok = parse_number(value, 1, 3600, c.http.frame_timeout_seconds);
  } else if (key == "max-frames-per-second") {
    ok = parse_number<std::uint32_t>(value, 1, 1'000'000, c.http.frames_per_second);
  } else if (key == "max-subscriptions") {
    ok = parse_number<std::uint32_t>(value, 1, 1024, c.http.max_subscriptions);
  } else if (key == "heartbeat") {
    ok = parse_number<std::uint32_t>(value, 1, 3600, c.http.heartbeat_seconds);
  } else if (key == "webhook-retry-base-ms") {
    ok = parse_number<std::uint32_t>(value, 1, 3'600'000, c.webhook_retry_base_ms);
  } else if (key == "webhook-retry-max-ms") {
    ok = parse_number<std::uint32_t>(value, 1, 86'400'000, c.webhook_retry_max_ms);
  } else if (key == "webhook-suspend-after") {
    ok = parse_number<std::uint32_t>(value, 0, 1'000'000, c.webhook_suspend_after);
  } else if (key == "webhook-timeout") {
    ok = parse_number<std::uint32_t>(value, 1, 600, c.webhook_timeout_seconds);
  } else if (key == "webhook-ca-file") {
    ok = !value.empty();
    c.webhook_ca_file = value;
  } else if (key == "tls-cert") {
    ok = !value.empty();
    c.http.tls_cert_file = value;
  } else if (key == "tls-key") {
    ok = !value.empty();
    c.http.tls_key_file = value;
  } else if (key == "log-format") {
    ok = value == "text" || value == "json";
    c.log_as = value == "json" ? log_format::json : log_format::text;
  } else if (key == "log-level") {
    ok = value == "trace" || value == "debug" || value == "info" || value == "warn" || value == "error" ||
         value == "critical" || value == "off";
    c.log_level = value;
  } else if (key == "receipt-key") {
    ok = !value.empty();
    c.receipt_key_file = value;
  } else if (key == "backup-dir") {
    ok = !value.empty();
    c.backup_dir = value;
  } else if (key == "first-office") {
    first_office office;
    ok = parse_first_office(value, office);
    c.first_office = value;
  } else if (key == "first-office-person") {
    ok = !value.empty();
    c.first_office_person = value;
  } else {
    return unknown("option", key, "--");
  }
  return ok ? std::string() : key + ": invalid value '" + value + "' (see --help)";
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string read_config_file(const std::string& path, server_config& c) {
  std::ifstream in(path);
  if (!in) return "cannot read the config file " + path;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    // A comment starts at a '#' that begins the line or follows a blank: "port = 8443  # TLS".
    for (std::size_t at = line.find('#'); at != std::string::npos; at = line.find('#', at + 1)) {
      if (at == 0 || line[at - 1] == ' ' || line[at - 1] == '\t') {
        line.resize(at);
        break;
      }
    }
    line = trim(line);
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) return path + ":" + std::to_string(n) + ": expected `key = value`";
    const std::string key = trim(line.substr(0, eq));
    std::string err = apply(key, trim(line.substr(eq + 1)), c);
    if (err.starts_with("unknown option")) err = unknown("key", key, "");
    if (!err.empty()) return path + ":" + std::to_string(n) + ": " + err;
  }
  return {};
}

}  // namespace

std::string server_usage() {
  return "usage: thidua-server [options]\n"
         "  --config FILE               read options from FILE first (`key = value` lines, names as below\n"
         "                              without \"--\", # comments); the command line wins\n"
         "Every option takes `--option value` or `--option=value`.\n"
         "  --data-dir DIR              where the event log lives (default: ./data; created if missing)\n"
         "  --wal-spare-mib N           zeroed file each WAL of a busy log is written over, so its syncs\n"
         "                              write only data; 0 = off (default: 72)\n"
         "  --listen ADDR               address to bind (default: 127.0.0.1)\n"
         "  --port N                    port to bind, 0 = any free port (default: 8080)\n"
         "  --threads N                 network threads (default: 2)\n"
         "  --no-demo                   do not load the demo data into an empty data dir (config: demo = "
         "false;\n"
         "                              default: load it)\n"
         "  --idle-timeout SECONDS      close a connection silent this long (default: 60)\n"
         "  --max-connections N         open connections at most; more get 503 (default: 15000)\n"
         "  --max-unauthenticated N     WebSocket connections waiting to authenticate, at most; more "
         "upgrades\n"
         "                              without a valid token get 503 (default: a tenth of "
         "--max-connections)\n"
         "  --auth-timeout SECONDS      a connection's first request must arrive, and a WebSocket "
         "authenticate,\n"
         "                              within this (default: 10)\n"
         "  --frame-timeout SECONDS     a WebSocket message must be complete this long after its first "
         "byte\n"
         "                              (default: 10)\n"
         "  --send-buffer BYTES         kernel send buffer per connection; bounds what a slow reader parks "
         "in\n"
         "                              the kernel (default: 262144)\n"
         "  --max-frames-per-second N   WebSocket frames per second per connection; a burst of twice as "
         "many\n"
         "                              passes; more than N refused within 10 s closes it (default: 200)\n"
         "  --max-subscriptions N       subscriptions per WebSocket connection (default: 16)\n"
         "  --heartbeat SECONDS         heartbeat interval to connections with subscriptions (default: 15)\n"
         "  --webhook-retry-base-ms MS  a failed webhook delivery is tried again after about MS, doubling\n"
         "                              each time, with jitter (default: 1000)\n"
         "  --webhook-retry-max-ms MS   the longest wait between two tries (default: 600000)\n"
         "  --webhook-suspend-after N   failures in a row that suspend a webhook until it is resumed;\n"
         "                              0 = never (default: 20)\n"
         "  --webhook-timeout SECONDS   each webhook request may take this long (default: 10)\n"
         "  --webhook-ca-file FILE      PEM authorities for HTTPS webhook receivers (a private PKI);\n"
         "                              default: this machine's\n"
         "  --tls-cert FILE             PEM certificate chain: serve https and wss (default: none, plain)\n"
         "  --tls-key FILE              PEM private key for --tls-cert\n"
         "  --receipt-key FILE          Ed25519 key (PEM, mode 0600) that signs receipts; made on first "
         "start\n"
         "                              (default: receipt-key.pem in the data dir)\n"
         "  --first-office ORG/UNIT     while the log holds no token, issue the organizer ORG's office UNIT\n"
         "                              one at start, its secret in <data dir>/first-office-token.txt\n"
         "  --first-office-person NAME  who holds it (default: Quản trị hệ thống)\n"
         "  --backup-dir DIR            where online backups go, one directory each (default: the data\n"
         "                              dir's path followed by -backups, e.g. ./data-backups)\n"
         "  --log-format text|json      text for people, or one JSON object per line (default: text)\n"
         "  --log-level LEVEL           trace, debug, info, warn, error, critical or off (default: info);\n"
         "                              the access log (connections, refused logins, requests, commands)\n"
         "                              is at info\n"
         "  --help                      this text\n"
         "  --version                   the version and the git commit it was built from\n"
         "Stops cleanly on SIGINT or SIGTERM.\n";
}

std::string server_version() {
  return std::string("thidua-server ") + build_version() + " (commit " + build_commit() + ")";
}

std::string parse_server_config(const std::vector<std::string>& given, server_config& config,
                                server_request& request) {
  request = server_request::serve;
  // "--opt=value" is "--opt value".
  std::vector<std::string> args;
  for (const auto& a : given) {
    const auto eq = a.find('=');
    if (a.starts_with("--") && eq != std::string::npos) {
      args.push_back(a.substr(0, eq));
      args.push_back(a.substr(eq + 1));
    } else {
      args.push_back(a);
    }
  }
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      request = server_request::help;
      return {};
    }
    if (a == "--version") {
      request = server_request::version;
      return {};
    }
  }
  // The config file first, wherever --config stands, so the command line overrides it.
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] != "--config") continue;
    if (i + 1 >= args.size()) return "--config needs a value (see --help)";
    if (auto err = read_config_file(args[i + 1], config); !err.empty()) return err;
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& opt = args[i];
    if (opt == "--no-demo") {
      config.demo = false;
      continue;
    }
    if (!opt.starts_with("--")) return "unexpected argument " + opt + " (see --help)";
    if (i + 1 >= args.size() || args[i + 1].starts_with("--")) {
      // An option that takes no value here is more likely a typo than a missing value.
      if (std::find(option_names().begin(), option_names().end(), opt.substr(2)) == option_names().end())
        return unknown("option", opt.substr(2), "--");
      return opt + " needs a value (see --help)";
    }
    const std::string& value = args[++i];
    if (opt == "--config") continue;
    if (auto err = apply(opt.substr(2), value, config); !err.empty()) return err;
  }
  if (config.http.tls_cert_file.empty() != config.http.tls_key_file.empty())
    return "--tls-cert and --tls-key go together";
  return {};
}

}  // namespace thidua::api
