#include "tools/cli/server_commands.h"

#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "api/app/proto/queries.pb.h"
#include "api/app/vietnam_time.h"
#include "api/wire/proto/wire.pb.h"
#include "tools/cli/cli_support.h"

namespace thidua::cli {
namespace {

namespace fs = std::filesystem;

std::string duration_text(std::uint64_t seconds) {
  char buf[64];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%llu s", static_cast<unsigned long long>(seconds));
  } else if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%llu min", static_cast<unsigned long long>(seconds / 60));
  } else if (seconds < 86400) {
    std::snprintf(buf, sizeof buf, "%llu h %02llu min", static_cast<unsigned long long>(seconds / 3600),
                  static_cast<unsigned long long>(seconds % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llu d %llu h", static_cast<unsigned long long>(seconds / 86400),
                  static_cast<unsigned long long>(seconds % 86400 / 3600));
  }
  return buf;
}

// Where a tail of this filter on this server remembers its last position.
std::string state_path(const tail_options& o, const server_link& link) {
  if (!o.state_file.empty()) return o.state_file;
  const char* state = std::getenv("XDG_STATE_HOME");
  const char* home = std::getenv("HOME");
  const fs::path dir = state && *state ? fs::path(state) / "thidua"
                                       : fs::path(home && *home ? home : ".") / ".local/state/thidua";
  std::string filter;
  for (const std::string& part :
       {o.organizer, o.series, o.year ? std::to_string(o.year) : std::string(), o.number, o.unit})
    if (!part.empty()) filter += "-" + part;
  std::string name = "tail-" + link.url.host + "-" + link.url.port + (filter.empty() ? "-all" : filter);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') c = '_';
  return (dir / name).string();
}

std::uint64_t remembered(const std::string& path) {
  std::ifstream in(path);
  std::uint64_t last = 0;
  if (in >> last) return last;
  return 0;
}

// Written whole, then renamed over the old one: a tail killed mid-write leaves the previous position.
void remember(const std::string& path, std::uint64_t position) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << position << "\n";
    if (!out) return;
  }
  fs::rename(tmp, path, ec);
}

void print_event(const api::pb::EventEnvelope& e, bool json) {
  if (json) {
    std::puts(json_of(e).c_str());
  } else {
    std::string when = api::vietnam_time(e.recorded_at_ms()).substr(0, 16);
    if (when.size() > 10) when[10] = ' ';
    const std::string who =
        e.actor_person().empty() ? e.actor_role() : e.actor_person() + ", " + e.actor_role();
    std::printf("%8llu  %s  %-26s %s (%s)  %s\n", static_cast<unsigned long long>(e.position()), when.c_str(),
                e.type().c_str(), e.actor_unit_id().c_str(), who.c_str(), e.stream_id().c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int status_command(const status_options& o) {
  std::optional<server_link> link;
  if (choose_link("status", o.server, o.data_dir, {.server = true, .token = false}, link) !=
      link_choice::server)
    return exit_failed;
  api::pb::ServerStatus s;
  if (int r = call_server("status", *link, "GET", "/v1/status", "", &s); r != exit_ok) return r;
  if (o.json) {
    std::puts(json_of(s).c_str());
    return exit_ok;
  }
  std::printf("thidua-server %s (commit %s) at %s, up %s (since %s)\n", s.version().c_str(),
              s.commit().c_str(), link->url.text().c_str(), duration_text(s.uptime_seconds()).c_str(),
              s.started_at().c_str());
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"log head", std::to_string(s.head())},
      {"read models at", std::to_string(s.read_model_position()) + " (lag " +
                             std::to_string(s.read_model_lag()) + (s.rebuilding() ? "; a rebuild runs" : "") +
                             ")"},
      {"connections", std::to_string(s.http_connections()) + " HTTP, " +
                          std::to_string(s.websocket_connections()) + " WebSocket"},
      {"subscriptions", std::to_string(s.subscriptions()) + " (the furthest behind: " +
                            std::to_string(s.max_subscription_lag()) + " events)"},
      {"backups go to",
       s.backup_dir().empty() ? "(told with an organizer's office's token)" : s.backup_dir()}};
  for (const auto& [what, value] : rows) std::printf("  %-16s%s\n", what.c_str(), value.c_str());
  return exit_ok;
}

int tail_command(const tail_options& o) {
  std::optional<server_link> link;
  if (choose_link("tail", o.server, o.data_dir, {.server = true}, link) != link_choice::server)
    return exit_failed;
  const std::string state = state_path(o, *link);
  const std::uint64_t last = remembered(state);
  const std::uint64_t from = o.from ? o.from : last + 1;
  std::string why;
  auto ws = api::websocket_client::open(link->url, link->client, why);
  if (!ws) {
    complain("tail", why);
    return exit_failed;
  }
  api::pb::ClientFrame subscribe;
  subscribe.set_request_id("tail");
  auto* s = subscribe.mutable_subscribe();
  s->set_subscription_id("tail");
  s->set_from_position(from);
  s->set_organizer_id(o.organizer);
  s->set_series(o.series);
  s->set_number(o.number);
  s->set_year(o.year);
  s->set_unit_id(o.unit);
  if (!ws->send(json_of(subscribe), why)) {
    complain("tail", why);
    return exit_failed;
  }
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = true;
  for (;;) {
    std::string text;
    bool timed_out = false;
    if (!ws->read(text, std::chrono::milliseconds(0), timed_out, why)) {
      complain("tail",
               why + "; the same command resumes after position " + std::to_string(remembered(state)));
      return exit_failed;
    }
    api::pb::ServerFrame f;
    if (!google::protobuf::util::JsonStringToMessage(text, &f, parse).ok()) {
      complain("tail", "the server sent a frame that does not read: " + text.substr(0, 200));
      return exit_failed;
    }
    if (f.has_error()) {
      complain("tail", f.error().code() + (f.error().field().empty() ? "" : " (" + f.error().field() + ")") +
                           ": " + f.error().message());
      return f.error().code() == "UNAUTHENTICATED" ? exit_failed : exit_usage;
    }
    if (f.has_subscribed()) {
      std::fprintf(stderr, "thidua tail: from position %llu (%s); the log's head is %llu\n",
                   static_cast<unsigned long long>(from),
                   o.from ? "--from"
                   : last ? ("where the last tail stopped, " + state).c_str()
                          : "the start",
                   static_cast<unsigned long long>(f.subscribed().head()));
    } else if (f.has_event()) {
      print_event(f.event().event(), o.json);
      remember(state, f.event().event().position());
    } else if (f.has_caught_up()) {
      // Everything this filter may show up to there was shown: the next tail starts after it.
      if (f.caught_up().position() > remembered(state)) remember(state, f.caught_up().position());
      std::fprintf(stderr, "thidua tail: caught up at position %llu%s\n",
                   static_cast<unsigned long long>(f.caught_up().position()),
                   o.until_caught_up ? "" : "; live events follow (Ctrl-C stops)");
      if (o.until_caught_up) return exit_ok;
    }
  }
}

}  // namespace thidua::cli
