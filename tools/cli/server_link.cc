#include "tools/cli/server_link.h"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <openssl/rand.h>
#include <unistd.h>
#include <cerrno>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "api/app/hex.h"
#include "api/server/nearest_name.h"
#include "api/wire/proto/wire.pb.h"
#include "tools/cli/cli_support.h"

namespace thidua::cli {
namespace {

namespace fs = std::filesystem;

std::string trimmed(std::string s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::optional<std::string> first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return trimmed(line);
}

// `key = value` lines, # comments (also after a value): fills what the command line and environment left
// empty. False, having said why, on an unknown key or an unreadable file.
bool read_config(const std::string& command, const std::string& path, server_options& o) {
  std::ifstream in(path);
  if (!in) {
    complain(command, "cannot read the config file " + path);
    return false;
  }
  const std::vector<std::string> keys = {"server", "token", "token-file", "ca-file"};
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    line = trimmed(line);
    if (line.empty()) continue;
    const auto eq = line.find('=');
    const std::string key = trimmed(line.substr(0, eq));
    const std::string value = eq == std::string::npos ? "" : trimmed(line.substr(eq + 1));
    std::string* into = key == "server"       ? &o.server
                        : key == "token"      ? &o.token
                        : key == "token-file" ? &o.token_file
                        : key == "ca-file"    ? &o.ca_file
                                              : nullptr;
    if (!into || eq == std::string::npos) {
      const std::string near = api::nearest_name(key, keys);
      complain(command, path + ":" + std::to_string(number) + ": " +
                            (into ? "write " + key + " = value"
                                  : "unknown key \"" + key + "\"" +
                                        (near.empty() ? "" : " — did you mean " + near + "?") +
                                        " (known: server, token, token-file, ca-file)"));
      return false;
    }
    // A path may start at the home directory, as in a shell.
    const char* home = std::getenv("HOME");
    if (into->empty())
      *into = value.starts_with("~/") && home && *home ? std::string(home) + value.substr(1) : value;
  }
  return true;
}

std::string default_config() {
  const char* home = std::getenv("HOME");
  if (!home || !*home) return {};
  const std::string path = std::string(home) + "/.config/thidua/cli.conf";
  return fs::exists(path) ? path : std::string();
}

}  // namespace

std::optional<bool> data_dir_in_use(const std::string& data_dir) {
  const std::string lock = (fs::path(data_dir) / "LOCK").string();
  const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == EACCES ? std::nullopt : std::optional<bool>(false);
  // RocksDB holds a write lock on LOCK (fcntl F_SETLK) while the database is open: ask who holds it.
  struct flock query {};
  query.l_type = F_WRLCK;
  query.l_whence = SEEK_SET;
  const bool held = ::fcntl(fd, F_GETLK, &query) == 0 && query.l_type != F_UNLCK;
  ::close(fd);
  return held;
}

link_choice choose_link(const std::string& command, server_options o, const std::string& data_dir,
                        link_needs needs, std::optional<server_link>& link) {
  if (o.config.empty()) o.config = default_config();
  if (!o.config.empty() && !read_config(command, o.config, o)) return link_choice::failed;
  std::string url = o.server, found_how;
  if (!url.empty()) {
    found_how = "as named";
  } else if (const auto in_use = data_dir.empty() ? std::optional<bool>(false) : data_dir_in_use(data_dir);
             !in_use) {
    complain(command, "cannot read " + data_dir +
                          " (permission denied): run as its owner (sudo), or name the "
                          "server with --server URL");
    return link_choice::failed;
  } else if (*in_use) {
    const std::string file = (fs::path(data_dir) / "server.url").string();
    auto written = first_line(file);
    if (!written && needs.reads_only && !needs.server) {
      std::fprintf(stderr, "thidua %s: opening the data dir %s read-only beside the process that holds it\n",
                   command.c_str(), data_dir.c_str());
      return link_choice::data_dir;
    }
    if (!written) {
      complain(command, "the data dir " + data_dir +
                            " is in use (a server, or another thidua command), and it says no address in " +
                            file + ": name the server with --server URL, or stop it first");
      return link_choice::failed;
    }
    url = *written;
    found_how = "it runs on " + data_dir;
  }
  if (url.empty()) {
    if (needs.server) {
      complain(command, data_dir.empty()
                            ? "which server? Say --server URL (or set THIDUA_SERVER), or --data-dir DIR of "
                              "a running server"
                            : "no server runs on " + data_dir +
                                  " (its lock is free): start thidua-server, or name one with --server URL");
      return link_choice::failed;
    }
    if (data_dir.empty()) {
      complain(command, "say --data-dir DIR (open the data dir) or --server URL (a running server)");
      return link_choice::failed;
    }
    std::fprintf(stderr, "thidua %s: opening the data dir %s itself (no server runs on it)\n",
                 command.c_str(), data_dir.c_str());
    return link_choice::data_dir;
  }
  std::string why;
  auto parsed = api::parse_server_url(url, why);
  if (!parsed) {
    complain(command, why);
    return link_choice::failed;
  }
  server_link l{*parsed, {}};
  l.client.ca_file = o.ca_file;
  l.client.token = o.token;
  if (l.client.token.empty() && !o.token_file.empty()) {
    auto t = first_line(o.token_file);
    if (!t || t->empty()) {
      complain(command, "cannot read a token from " + o.token_file);
      return link_choice::failed;
    }
    l.client.token = *t;
  }
  if (l.client.token.empty() && needs.token && needs.reads_only && o.server.empty()) {
    // Nothing to ask the server with, but only reading to do: beside it, read-only, as verify does.
    std::fprintf(
        stderr,
        "thidua %s: opening the data dir %s read-only beside the server at %s (no token to ask it with)\n",
        command.c_str(), data_dir.c_str(), l.url.text().c_str());
    return link_choice::data_dir;
  }
  if (l.client.token.empty() && needs.token) {
    complain(command, "the server at " + l.url.text() + " (" + found_how +
                          ") needs a token: pass --token-file FILE or --token TOKEN, or set THIDUA_TOKEN "
                          "(an organizer's office's token for most of what thidua does)");
    return link_choice::failed;
  }
  std::fprintf(stderr, "thidua %s: through the server at %s (%s)\n", command.c_str(), l.url.text().c_str(),
               found_how.c_str());
  link = std::move(l);
  return link_choice::server;
}

int call_server(const std::string& command, const server_link& link, std::string_view method,
                std::string_view target, std::string_view body, google::protobuf::Message* out) {
  api::http_answer answer;
  std::string why;
  if (!api::http_call(link.url, link.client, method, target, body, answer, why)) {
    complain(command, why);
    return exit_failed;
  }
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;  // a newer server may say more
  if (answer.status != 200) return report_refusal(command, answer);
  if (out && !google::protobuf::util::JsonStringToMessage(answer.body, out, o).ok()) {
    complain(command, "the server's answer does not read as " + out->GetTypeName());
    return exit_failed;
  }
  return exit_ok;
}

int report_refusal(const std::string& command, const api::http_answer& answer) {
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;
  api::pb::Error e;
  if (!google::protobuf::util::JsonStringToMessage(answer.body, &e, o).ok() || e.code().empty()) {
    complain(command, "the server answered HTTP " + std::to_string(answer.status) + ": " + answer.body);
    return exit_failed;
  }
  complain(command, e.code() + (e.field().empty() ? "" : " (" + e.field() + ")") + ": " + e.message() +
                        (e.message_vi().empty() ? "" : " — " + e.message_vi()));
  return answer.status >= 500 ? exit_failed : exit_usage;
}

std::string new_command_id() {
  unsigned char bytes[12];
  if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();
  return "cli-" + api::hex(bytes, sizeof bytes);
}

}  // namespace thidua::cli
