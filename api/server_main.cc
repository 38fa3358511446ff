// thidua-server: the event log, the engine and the network API in one process.

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "api/command_service.h"
#include "api/demo_loader.h"
#include "api/http_server.h"
#include "storage/event_log.h"

namespace {

struct server_flags {
  std::string data_dir = "./data";
  bool demo = true;
  thidua::api::http_options http;
};

void usage() {
  std::puts(
      "usage: thidua-server [options]\n"
      "  --data-dir DIR    where the event log lives (default: ./data; created if missing)\n"
      "  --listen ADDR     address to bind (default: 127.0.0.1)\n"
      "  --port N          port to bind, 0 = any free port (default: 8080)\n"
      "  --threads N       network threads (default: 2)\n"
      "  --no-demo         do not load the demo data into an empty data dir (default: load it)\n"
      "  --help            this text\n"
      "Stops cleanly on SIGINT or SIGTERM.");
}

// The log's counters in the Prometheus text format.
std::string log_metrics(const thidua::storage::event_log& log) {
  const auto st = log.stats();
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, std::uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(value) + "\n";
  };
  metric("thidua_log_head", "gauge", "Last durable position of the event log.", log.head().value);
  metric("thidua_log_appends_total", "counter", "Appends completed (accepted or refused) since start.",
         st.appends);
  metric("thidua_log_events_total", "counter", "Events made durable since start.", st.events);
  metric("thidua_log_batches_total", "counter", "Write batches written since start.", st.batches);
  metric("thidua_log_syncs_total", "counter", "WAL syncs since start.", st.syncs);
  return out;
}

// Returns false (after saying why) on a bad command line.
bool parse(int argc, char** argv, server_flags& f, bool& help) {
  for (int i = 1; i < argc; ++i) {
    std::string opt = argv[i];
    if (opt == "--help" || opt == "-h") {
      help = true;
      return true;
    }
    if (opt == "--no-demo") {
      f.demo = false;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "thidua-server: %s needs a value (see --help)\n", opt.c_str());
      return false;
    }
    std::string val = argv[++i];
    try {
      if (opt == "--data-dir") {
        f.data_dir = val;
      } else if (opt == "--listen") {
        f.http.address = val;
      } else if (opt == "--port") {
        const int p = std::stoi(val);
        if (p < 0 || p > 65535) throw std::out_of_range("port");
        f.http.port = static_cast<std::uint16_t>(p);
      } else if (opt == "--threads") {
        f.http.threads = std::stoi(val);
        if (f.http.threads < 1 || f.http.threads > 64) throw std::out_of_range("threads");
      } else {
        std::fprintf(stderr, "thidua-server: unknown option %s (see --help)\n", opt.c_str());
        return false;
      }
    } catch (const std::exception&) {
      std::fprintf(stderr, "thidua-server: %s: invalid value '%s'\n", opt.c_str(), val.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  server_flags flags;
  bool help = false;
  if (!parse(argc, argv, flags, help)) return 2;
  if (help) {
    usage();
    return 0;
  }
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  auto opened = thidua::storage::event_log::open(thidua::storage::log_options{.path = flags.data_dir});
  if (!opened) {
    spdlog::critical("cannot open the event log in {}: {}", flags.data_dir, opened.error().message);
    return 1;
  }
  auto log = std::move(opened).value();
  spdlog::info("event log open in {} (head at position {})", flags.data_dir, log->head().value);
  if (flags.demo && log->head().value == 0) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const std::string tokens_file = (std::filesystem::path(flags.data_dir) / "demo-tokens.txt").string();
    auto demo = thidua::api::load_demo(*log, now, tokens_file);
    if (!demo) {
      spdlog::critical("loading the demo data failed: {}", demo.error().message);
      return 1;
    }
    spdlog::info(
        "empty data dir: loaded the demo data (the real clusters of the source reports): {} commands, "
        "log head at {}",
        demo.value().commands, demo.value().head);
    spdlog::info(
        "demo tokens for {} organizers' offices and units written to {} (readable only by its owner)",
        demo.value().tokens, tokens_file);
  }

  thidua::api::command_service service(*log);
  flags.http.service = &service;
  thidua::api::http_server server(flags.http, [&](const thidua::api::http_request_view& req) {
    if (req.method == "GET" && req.target == "/healthz") {
      return thidua::api::http_reply{200, "application/json; charset=utf-8",
                                     R"({"status":"ok","head":)" + std::to_string(log->head().value) + "}"};
    }
    if (req.method == "GET" && req.target == "/readyz") {
      // Ready once listening: the log is open and the demo data, if any, is loaded before the listener
      // starts.
      return thidua::api::http_reply{200, "application/json; charset=utf-8", R"({"status":"ready"})"};
    }
    if (req.method == "GET" && req.target == "/metrics") {
      return thidua::api::http_reply{200, "text/plain; version=0.0.4; charset=utf-8", log_metrics(*log)};
    }
    return thidua::api::http_reply{404, "application/json; charset=utf-8",
                                   R"({"code":"NOT_FOUND","message":"no such resource"})"};
  });
  if (auto err = server.start(); !err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }
  spdlog::info("thidua-server listening on http://{}:{}", flags.http.address, server.port());

  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int sig) {
    spdlog::info("signal {}: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  });
  signals_ioc.run();
  server.stop();
  log.reset();  // completes queued appends, then closes the database
  spdlog::info("stopped cleanly");
  return 0;
}
