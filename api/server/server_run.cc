#include "api/server/server_run.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "api/app/command_service.h"
#include "api/app/demo_loader.h"
#include "api/app/first_office_token.h"
#include "api/app/read_service.h"
#include "api/app/receipts.h"
#include "api/app/server_metrics.h"
#include "api/app/webhook_outbox.h"
#include "api/client/server_client.h"
#include "api/net/http_server.h"
#include "api/net/webhook_sender.h"
#include "api/server/server_config.h"
#include "api/server/system_wall_clock.h"
#include "api/wire/event_frames.h"
#include "api/wire/http_routes.h"
#include "api/wire/services.h"
#include "engine/clock.h"
#include "storage/event_log.h"

namespace {

// Each connection is a file descriptor: allow as many as the system lets this process have.
void raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
}

bool load_demo_if_empty(thidua::storage::event_log& log, const thidua::api::server_config& config,
                        const thidua::engine::wall_clock& clock) {
  if (!config.demo || log.head().value != 0) return true;
  const auto now = clock.now_ms();
  const std::string tokens_file = (std::filesystem::path(config.data_dir) / "demo-tokens.txt").string();
  auto demo = thidua::api::load_demo(log, now, tokens_file);
  if (!demo) {
    spdlog::critical("loading the demo data failed: {}", demo.error().message);
    return false;
  }
  spdlog::info(
      "empty data dir: loaded the demo data (the real clusters of the source reports): {} commands, log head "
      "at {}",
      demo.value().commands, demo.value().head);
  spdlog::info("demo tokens for {} organizers' offices and units written to {} (readable only by its owner)",
               demo.value().tokens, tokens_file);
  return true;
}

// --first-office: the first account of a log that holds no token (api/app/first_office_token.h).
bool issue_first_office_if_asked(thidua::storage::event_log& log, const thidua::api::server_config& config,
                                 const thidua::engine::wall_clock& clock) {
  if (config.first_office.empty()) return true;
  thidua::api::first_office office;
  thidua::api::parse_first_office(config.first_office, office);
  office.person = config.first_office_person;
  const std::string file = (std::filesystem::path(config.data_dir) / "first-office-token.txt").string();
  auto issued = thidua::api::issue_first_office_token(log, office, clock.now_ms(), file);
  if (!issued) {
    spdlog::critical("issuing the first office token failed: {}", issued.error().message);
    return false;
  }
  if (issued.value())
    spdlog::info(
        "the log held no token: issued the first token, for the office {} of {} ({}); its secret is "
        "in {}, readable by this server's user only: take it (sudo cat), then delete the file",
        office.unit_id, office.organizer_id, office.person, file);
  else
    spdlog::info("--first-office: the log holds tokens already; none issued");
  return true;
}

std::string backup_dir_of(const thidua::api::server_config& config) {
  if (!config.backup_dir.empty()) return config.backup_dir;
  std::string dir = config.data_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + "-backups";
}

// <data dir>/server.url while the server serves: how `thidua` finds the running server of a data dir (it
// trusts the file only while the data dir is locked, so one a crash left behind misleads nobody).
class server_url_file {
 public:
  server_url_file(const thidua::api::server_config& config, const std::string& scheme, std::uint16_t port)
      : path_((std::filesystem::path(config.data_dir) / "server.url").string()) {
    // A wildcard address is reached on the loopback from the same machine.
    std::string host = config.http.address;
    if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
    if (host == "::") host = "::1";
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    std::FILE* f = std::fopen(path_.c_str(), "w");
    if (!f) {
      spdlog::warn("cannot write {}: thidua will not find this server from its data dir", path_);
      return;
    }
    std::fprintf(f, "%s://%s:%u\n", scheme.c_str(), host.c_str(), static_cast<unsigned>(port));
    std::fclose(f);
  }
  ~server_url_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }

 private:
  std::string path_;
};

// Serves until SIGINT or SIGTERM. Everything that holds on to the log lives and dies in here, before the log.
int serve(thidua::storage::event_log& log, thidua::api::server_config& config,
          const thidua::engine::wall_clock& clock, thidua::api::receipt_key key) {
  // Declared so that the reverse order of destruction is right: the network (and its sessions) goes first.
  thidua::api::server_metrics metrics;
  thidua::api::command_service commands(log, clock);
  thidua::api::receipt_desk receipts(log, std::move(key));
  thidua::api::read_options read_options;
  read_options.receipts = &receipts;
  read_options.clock = &clock;
  read_options.backup_dir = backup_dir_of(config);
  thidua::api::read_service reads(log, read_options);
  thidua::api::envelope_encoder envelopes;
  if (auto r = reads.start(); !r) {
    spdlog::critical("starting the read models failed: {}", r.error().message);
    return 1;
  }
  // Deadlines that passed while the server was down are noted before anyone connects; then as they come.
  if (auto fired = commands.fire_due_timers(); !fired) {
    spdlog::error("firing the deadline timers due while the server was down failed: {}",
                  fired.error().message);
  } else if (fired.value() > 0) {
    spdlog::info("{} deadline timers were due while the server was down: fired", fired.value());
  }
  commands.start_timers();
  thidua::api::webhook_outbox outbox(
      log, [&reads] { return reads.inbox_model(); }, clock,
      {std::chrono::milliseconds(config.webhook_retry_base_ms),
       std::chrono::milliseconds(config.webhook_retry_max_ms), config.webhook_suspend_after});
  thidua::api::webhook_sender webhooks(outbox, std::chrono::seconds(config.webhook_timeout_seconds),
                                       config.webhook_ca_file);
  webhooks.start();
  const thidua::api::services api{&commands, &reads, &metrics, &envelopes, &outbox};
  config.http.api = &api;
  // Taken over before the server says it listens: a SIGTERM right after that line stops it cleanly too.
  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
  thidua::api::http_server server(config.http, thidua::api::make_http_routes(api, log, clock));
  if (auto err = server.start(); !err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }
  spdlog::info("thidua-server listening on {}://{}:{}", server.scheme(), config.http.address, server.port());
  spdlog::info("online backups go to {}", read_options.backup_dir);
  const server_url_file url_file(config, server.scheme(), server.port());

  signals.async_wait([](const boost::system::error_code&, int sig) {
    spdlog::info("signal {}: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  });
  signals_ioc.run();
  // Queries waiting for the read models are answered (READ_MODEL_BEHIND) while their connections still exist.
  reads.stop();
  server.stop();
  webhooks.stop();
  commands.stop_timers();
  return 0;
}

}  // namespace

namespace thidua::api {

int run_server(int argc, char** argv, std::shared_ptr<rocksdb::FileSystem> file_system) {
  thidua::api::server_config config;
  server_request request = server_request::serve;
  if (auto err = thidua::api::parse_server_config({argv + 1, argv + argc}, config, request); !err.empty()) {
    std::fprintf(stderr, "thidua-server: %s\n", err.c_str());
    return 2;
  }
  if (request == server_request::help) {
    std::fputs(thidua::api::server_usage().c_str(), stdout);
    return 0;
  }
  if (request == server_request::version) {
    std::puts(server_version().c_str());
    return 0;
  }
  raise_open_file_limit();
  // Written by a thread of its own: a slow reader of the server's output (a pipe, a busy journal) never holds
  // up the threads that log — the engine's among them, for each command's access line. Past 16,384 waiting
  // lines the oldest is dropped rather than wait. Every line is written before run_server returns.
  spdlog::init_thread_pool(16384, 1);
  spdlog::set_default_logger(std::make_shared<spdlog::async_logger>(
      "thidua", std::make_shared<spdlog::sinks::stdout_color_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::overrun_oldest));
  struct written_at_exit {
    ~written_at_exit() { spdlog::shutdown(); }
  } written_at_exit;
  set_log_format(config.log_as);
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::info("{} starting", server_version());
  // Before anything is written (the data dir is not even created): the port and the TLS files.
  if (auto err = thidua::api::check_listen(config.http); !err.empty()) {
    spdlog::critical("{}; nothing was written", err);
    return 1;
  }
  if (std::string why; !config.webhook_ca_file.empty() && !authorities_load(config.webhook_ca_file, why)) {
    spdlog::critical("{} (check --webhook-ca-file); nothing was written", why);
    return 1;
  }
  thidua::storage::log_options log_options{.path = config.data_dir};
  log_options.wal_spare_bytes = std::uint64_t{config.wal_spare_mib} << 20;
  log_options.file_system = std::move(file_system);
  auto opened = thidua::storage::event_log::open(log_options);
  if (!opened) {
    spdlog::critical("cannot open the event log in {}: {}", config.data_dir, opened.error().message);
    return 1;
  }
  auto log = std::move(opened).value();
  spdlog::info("event log open in {} (head at position {})", config.data_dir, log->head().value);
  // After a crash or power loss the index lags the records; open rebuilt it, and the operator should know.
  if (const auto s = log->stats(); s.reindexed_at_open > 0)
    spdlog::warn("recovered from an unclean stop: re-indexed {} records from position {} in {} ms",
                 s.reindexed_at_open, s.reindexed_from, s.reindex_ms);
  // The one wall clock of the process: everything below is handed it (engine/clock.h).
  const thidua::api::system_wall_clock clock;
  // Before anything is written: a key that cannot be loaded stops the start with the log untouched.
  const std::string key_file = config.receipt_key_file.empty()
                                   ? (std::filesystem::path(config.data_dir) / "receipt-key.pem").string()
                                   : config.receipt_key_file;
  auto key = thidua::api::receipt_key::load_or_create(key_file);
  if (!key) {
    spdlog::critical("the receipt key: {}", key.error().message);
    return 1;
  }
  spdlog::info("receipts are signed with {} ({}); its public half is served at /v1/receipt-key",
               key.value().key_id(), key_file);
  int status = load_demo_if_empty(*log, config, clock) && issue_first_office_if_asked(*log, config, clock)
                   ? serve(*log, config, clock, std::move(key).value())
                   : 1;
  log.reset();  // completes queued appends, then closes the database
  if (status == 0) spdlog::info("stopped cleanly");
  return status;
}

}  // namespace thidua::api
