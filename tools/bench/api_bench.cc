// thidua-bench api: the real thidua-server (a child process) driven over loopback WebSocket — commands/s and
// latency with 1, 16 and 64 clients, fan-out latency to 1,000 subscribers, RSS with 10,000 idle connections —
// beside log-level appends with 16 appenders measured in the same run.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/app/token_registry.h"
#include "api/wire/proto/wire.pb.h"
#include "domain/cycle_decider.h"
#include "engine/command_pipeline.h"
#include "storage/event_log.h"
#include "tools/bench/bench.h"

namespace thidua::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
namespace dpb = domain::pb;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// --- the server, a child process -------------------------------------------------------------------------

struct server_child {
  pid_t pid = -1;
  int port = 0;
  int out = -1;
};

server_child start_server(const std::string& data_dir) {
  int fds[2];
  if (::pipe(fds) != 0) std::exit(1);
  server_child s;
  s.pid = ::fork();
  if (s.pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(THIDUA_SERVER_PATH, THIDUA_SERVER_PATH, "--port", "0", "--data-dir", data_dir.c_str(),
            "--no-demo", "--max-frames-per-second", "1000000", "--max-connections", "16000",
            "--max-subscriptions", "4", "--idle-timeout", "600", nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  s.out = fds[0];
  std::string output;
  char buf[4096];
  const std::string listening = "listening on http://127.0.0.1:";
  while (s.port == 0) {
    ssize_t n = ::read(s.out, buf, sizeof buf);
    if (n <= 0) break;
    output.append(buf, static_cast<std::size_t>(n));
    auto at = output.find(listening);
    if (at != std::string::npos && output.find('\n', at) != std::string::npos)
      s.port = std::stoi(output.substr(at + listening.size()));
  }
  if (s.port == 0) {
    std::fprintf(stderr, "the server did not start:\n%s\n", output.c_str());
    std::exit(1);
  }
  return s;
}

void stop_server(server_child& s) {
  ::kill(s.pid, SIGTERM);
  char buf[4096];
  while (::read(s.out, buf, sizeof buf) > 0) {
  }
  ::waitpid(s.pid, nullptr, 0);
  ::close(s.out);
}

// CPU seconds (user + system) a process has used.
double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which is in parentheses): utime and stime are the 12th and 13th.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 1; i <= 13 && rest >> field; ++i) {
    if (i == 12) utime = std::stod(field);
    if (i == 13) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return 0;
}

// --- the data the server starts with: tokens and one cycle per client, its pledge in force --------------

dpb::Actor office() {
  dpb::Actor a;
  a.set_unit_id("BCA-X03");
  a.set_person_name("Văn phòng thi đua");
  a.set_role(dpb::ORGANIZER_OFFICE);
  a.set_organizer_id("BCA");
  return a;
}

dpb::Actor unit_actor(const std::string& unit, dpb::Role role) {
  dpb::Actor a;
  a.set_unit_id(unit);
  a.set_person_name("Lãnh đạo " + unit);
  a.set_role(role);
  return a;
}

dpb::CycleKey bench_key(int i) {
  dpb::CycleKey k;
  k.set_organizer_id("BCA");
  k.set_series("bench-" + std::to_string(i));
  k.set_number("1");
  k.set_year(2024);
  return k;
}

std::string member(int i, int k) {
  return "BENCH-" + std::to_string(i) + "-" + std::to_string(k);
}

struct prepared {
  std::string office_token;
  std::vector<std::string> chair_tokens;  // one per cycle
};

prepared prepare(const std::string& data_dir, int cycles) {
  auto opened = storage::event_log::open(storage::log_options{.path = data_dir});
  if (!opened) std::exit(1);
  auto log = std::move(opened).value();
  engine::command_pipeline<api::token_decider> tokens(*log);
  engine::command_pipeline<domain::cycle_decider> pipeline(*log);
  prepared out;
  auto issue = [&](const std::string& id, const std::string& unit, const std::string& role) {
    const std::string secret = api::new_token_secret();
    api::pb::TokenCommand c;
    auto* g = c.mutable_issue();
    g->set_token_id(id);
    g->set_sha256(api::token_hash(secret));
    g->set_unit_id(unit);
    g->set_person_name("Bench " + unit);
    g->set_role(role);
    if (role == "ORGANIZER_OFFICE") g->set_organizer_id("BCA");
    if (!tokens.execute({"issue-" + id, {"bench", nullptr}, c, 0, std::nullopt, {}, {}, {}})) std::exit(1);
    return secret;
  };
  out.office_token = issue("tk-office", "BCA-X03", "ORGANIZER_OFFICE");
  int seq = 0;
  auto run = [&](const dpb::Actor& a, dpb::Command c, int i) {
    *c.mutable_cycle() = bench_key(i);
    auto r = pipeline.execute(
        {"setup-" + std::to_string(seq++), a, c, 1'700'000'000'000, std::nullopt, {}, {}, {}});
    if (!r) {
      std::fprintf(stderr, "setup: %s\n", r.error().message.c_str());
      std::exit(1);
    }
  };
  for (int i = 0; i < cycles; ++i) {
    dpb::Command open;
    auto* o = open.mutable_open();
    o->set_cluster_name("Cụm thi đua thử nghiệm " + std::to_string(i));
    o->set_movement("Vì an ninh Tổ quốc");
    for (int k = 1; k <= 4; ++k) o->add_member_unit_ids(member(i, k));
    o->set_chair_unit_id(member(i, 1));
    auto* criterion = o->mutable_settings()->add_criteria();
    criterion->set_id("ket_qua");
    criterion->set_name("Kết quả");
    criterion->set_max_points(100);
    run(office(), open, i);
    const auto chair = unit_actor(member(i, 1), dpb::CHAIR);
    dpb::Command launch;
    launch.mutable_launch_conference()->set_date("2024-03-01");
    launch.mutable_launch_conference()->set_place("Hà Nội");
    run(chair, launch, i);
    dpb::Command contents;
    contents.mutable_adopt_pledge_contents()->add_contents()->set_text("giữ vững an ninh chính trị");
    run(chair, contents, i);
    for (int k = 1; k <= 4; ++k) {
      dpb::Command sign;
      sign.mutable_sign_pledge()->set_unit_id(member(i, k));
      sign.mutable_sign_pledge()->mutable_signatory()->set_name("Đại tá Nguyễn Văn A");
      run(unit_actor(member(i, k), dpb::MEMBER), sign, i);
    }
    out.chair_tokens.push_back(issue("tk-chair-" + std::to_string(i), member(i, 1), "CHAIR"));
  }
  return out;
}

// An activity whose stored event is about `event_bytes` long; its description carries the send time.
std::string activity_frame(int cycle, std::uint64_t seq, std::size_t event_bytes, std::int64_t sent_ns) {
  api::pb::ClientFrame f;
  f.set_request_id(std::to_string(seq));
  auto* c = f.mutable_command();
  c->set_command_id("act-" + std::to_string(cycle) + "-" + std::to_string(seq) + "-" +
                    std::to_string(now_ns()));
  auto* cmd = c->mutable_cycle();
  *cmd->mutable_cycle() = bench_key(cycle);
  auto* a = cmd->mutable_activity();
  a->set_date("2024-05-01");
  a->set_kind("sports_meet");
  std::string d = "t=" + std::to_string(sent_ns) + ";Hội thao truyền thống ";
  // The stored record adds ~180 bytes of envelope (ids, actor, hashes) to the payload.
  if (d.size() + 180 < event_bytes) d.append(event_bytes - 180 - d.size(), '.');
  a->set_description(d);
  return f.SerializeAsString();
}

// --- clients
// -------------------------------------------------------------------------------------------------

// One WebSocket connection on the bench's io_context; all its handlers run on that context's one thread.
class connection : public std::enable_shared_from_this<connection> {
 public:
  using on_frame = std::function<void(connection&, const std::string&)>;
  explicit connection(asio::io_context& ioc) : ws_(ioc) {}

  void start(int port, const std::string& token, std::function<void(connection&, bool)> opened) {
    opened_ = std::move(opened);
    auto self = shared_from_this();
    beast::get_lowest_layer(ws_).async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port)),
        [self, token](beast::error_code ec) {
          if (ec) return self->opened_(*self, false);
          beast::error_code ignored;
          beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(true), ignored);
          self->ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
            req.set(beast::http::field::authorization, "Bearer " + token);
          }));
          self->ws_.binary(true);
          self->ws_.async_handshake("127.0.0.1", "/v1/ws", [self](beast::error_code ec2) {
            self->open_ = !ec2;
            self->opened_(*self, !ec2);
            if (!ec2) self->read();
          });
        });
  }
  // Frames go out one at a time; callers keep at most one in flight or queue them here.
  void send(std::string bytes) {
    out_.push_back(std::move(bytes));
    if (out_.size() == 1) write();
  }
  void set_on_frame(on_frame f) { on_frame_ = std::move(f); }
  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }
  bool is_open() const { return open_; }

 private:
  void write() {
    ws_.async_write(asio::buffer(out_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return;
                      self->out_.erase(self->out_.begin());
                      if (!self->out_.empty()) self->write();
                    });
  }
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->open_ = false;
        return;
      }
      const std::string data = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->on_frame_) self->on_frame_(*self, data);
      self->read();
    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::vector<std::string> out_;
  on_frame on_frame_;
  std::function<void(connection&, bool)> opened_;
  bool open_ = false;
};

// Opens `n` connections with the given tokens; returns once all are open (or exits).
std::vector<std::shared_ptr<connection>> open_connections(asio::io_context& ioc, int port, int n,
                                                          const std::function<std::string(int)>& token) {
  std::vector<std::shared_ptr<connection>> out;
  std::atomic<int> opened{0}, failed{0};
  for (int i = 0; i < n; ++i) {
    auto c = std::make_shared<connection>(ioc);
    asio::post(ioc, [c, port, t = token(i), &opened, &failed] {
      c->start(port, t, [&](connection&, bool ok) { ++(ok ? opened : failed); });
    });
    out.push_back(c);
  }
  while (opened.load() + failed.load() < n) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (failed.load() != 0) {
    std::fprintf(stderr, "%d of %d connections failed to open\n", failed.load(), n);
    std::exit(1);
  }
  return out;
}

// Closes connections on the io_context's thread and drops their handlers (which point into the caller's
// frame); returns once done.
void close_all(asio::io_context& ioc, std::vector<std::shared_ptr<connection>>& conns) {
  std::atomic<bool> done{false};
  asio::post(ioc, [&] {
    for (auto& c : conns) {
      c->set_on_frame(nullptr);
      c->close();
    }
    done = true;
  });
  while (!done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  conns.clear();
}

struct command_figures {
  double per_second = 0, p50_ms = 0, p99_ms = 0;
  double server_cpu_us = 0, client_cpu_us = 0;  // CPU per command
};

double self_cpu_seconds() {
  return process_cpu_seconds(::getpid());
}

// `clients` connections, each with one command in flight on its own cycle (`one_stream`: all on the first
// cycle's stream, as the clusters of a series-year share theirs), for `seconds`.
command_figures run_commands(asio::io_context& ioc, int port, pid_t server, const prepared& p, int clients,
                             double seconds, std::size_t event_bytes, bool one_stream = false) {
  auto cycle_of = [one_stream](int i) { return one_stream ? 0 : i; };
  auto conns = open_connections(ioc, port, clients, [&](int i) { return p.chair_tokens[cycle_of(i)]; });
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> done{0}, refused{0};
  std::atomic<int> active{clients};
  for (int i = 0; i < clients; ++i) {
    auto seq = std::make_shared<std::uint64_t>(0);
    auto sent = std::make_shared<std::int64_t>(0);
    conns[i]->set_on_frame([&, i, seq, sent](connection& c, const std::string& data) {
      api::pb::ServerFrame f;
      if (!f.ParseFromString(data) || !f.has_accepted()) ++refused;
      latencies[i].push_back(static_cast<double>(now_ns() - *sent) / 1e6);
      ++done;
      if (stop.load()) {
        --active;
        return;
      }
      *sent = now_ns();
      c.send(activity_frame(cycle_of(i), (static_cast<std::uint64_t>(i) << 40) | ++*seq, event_bytes, *sent));
    });
    asio::post(ioc, [&, i, seq, sent] {
      *sent = now_ns();
      conns[i]->send(
          activity_frame(cycle_of(i), (static_cast<std::uint64_t>(i) << 40) | ++*seq, event_bytes, *sent));
    });
  }
  const auto start = clock_type::now();
  const double server_cpu = process_cpu_seconds(server), client_cpu = self_cpu_seconds();
  const std::uint64_t done_before = done.load();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const std::uint64_t counted = done.load() - done_before;
  const double elapsed = seconds_since(start);
  const double server_used = process_cpu_seconds(server) - server_cpu,
               client_used = self_cpu_seconds() - client_cpu;
  stop = true;
  while (active.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (refused.load() != 0) {
    std::fprintf(stderr, "%llu commands were refused\n", static_cast<unsigned long long>(refused.load()));
    std::exit(1);
  }
  close_all(ioc, conns);
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  return {static_cast<double>(counted) / elapsed, percentile(all, 0.5), percentile(all, 0.99),
          server_used * 1e6 / static_cast<double>(counted), client_used * 1e6 / static_cast<double>(counted)};
}

struct fanout_figures {
  double p50_ms = 0, p99_ms = 0, deliveries_per_second = 0;
  std::uint64_t missing = 0;
};

// `subscribers` connections subscribed from now; one publisher records `rate` activities per second; the
// latency of each delivery is measured from the moment its command was sent.
fanout_figures run_fanout(asio::io_context& ioc, int port, const prepared& p, int subscribers, int rate,
                          double seconds, std::size_t event_bytes) {
  auto subs = open_connections(ioc, port, subscribers, [&](int) { return p.office_token; });
  std::vector<double> latencies;      // touched only on the io_context's thread
  std::vector<double> from_recorded;  // ms from the server's recorded_at to delivery
  std::vector<double> accepted;       // the publisher's command latencies
  latencies.reserve(static_cast<std::size_t>(subscribers * rate * (seconds + 1)));
  std::atomic<int> subscribed{0};
  std::atomic<std::uint64_t> delivered{0};
  for (auto& s : subs) {
    s->set_on_frame([&](connection&, const std::string& data) {
      api::pb::ServerFrame f;
      if (!f.ParseFromString(data)) return;
      if (f.has_subscribed()) ++subscribed;
      if (!f.has_event()) return;
      const auto& d = f.event().event().cycle().activity_recorded().details().description();
      if (!d.starts_with("t=")) return;
      latencies.push_back(static_cast<double>(now_ns() - std::stoll(d.substr(2))) / 1e6);
      ++delivered;
      const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
      from_recorded.push_back(static_cast<double>(wall - f.event().event().recorded_at_ms()));
    });
    api::pb::ClientFrame sub;
    sub.set_request_id("s");
    sub.mutable_subscribe()->set_subscription_id("all");
    sub.mutable_subscribe()->set_from_position(0);
    asio::post(ioc, [s, bytes = sub.SerializeAsString()] { s->send(bytes); });
  }
  while (subscribed.load() < subscribers) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto publisher = open_connections(ioc, port, 1, [&](int) { return p.chair_tokens[0]; })[0];
  std::int64_t last_sent = 0;
  publisher->set_on_frame([&](connection&, const std::string&) {
    accepted.push_back(static_cast<double>(now_ns() - last_sent) / 1e6);
  });
  std::uint64_t seq = 0;
  const auto start = clock_type::now();
  const auto period = std::chrono::nanoseconds(1'000'000'000 / rate);
  auto next = start;
  while (seconds_since(start) < seconds) {
    next += period;
    std::this_thread::sleep_until(next);
    asio::post(ioc, [publisher, &last_sent, bytes = activity_frame(0, ++seq, event_bytes, now_ns())] {
      last_sent = now_ns();
      publisher->send(bytes);
    });
  }
  // Every delivery must arrive: on a slow moment they queue, and their latency counts. What has not arrived
  // a minute after the last command is missing (the run then fails).
  const std::uint64_t expected = seq * static_cast<std::uint64_t>(subscribers);
  const auto drain_until = clock_type::now() + std::chrono::minutes(1);
  while (delivered.load() < expected && clock_type::now() < drain_until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  fanout_figures out;
  std::vector<std::shared_ptr<connection>> all = subs;
  all.push_back(publisher);
  close_all(ioc, all);
  const std::vector<double>& copy = latencies;
  out.p50_ms = percentile(copy, 0.5);
  out.p99_ms = percentile(copy, 0.99);
  out.deliveries_per_second = static_cast<double>(copy.size()) / seconds;
  out.missing = expected > copy.size() ? expected - copy.size() : 0;
  std::printf("  fan-out detail: command p50 %.2f ms; recorded_at to delivery p50 %.0f ms p99 %.0f ms\n",
              percentile(accepted, 0.5), percentile(from_recorded, 0.5), percentile(from_recorded, 0.99));
  return out;
}

}  // namespace

int run_api(const args& a) {
  namespace fs = std::filesystem;
  // For profiling one phase: THIDUA_BENCH_ONLY=fanout skips the command phases, THIDUA_BENCH_ONLY=commands
  // the fan-out and idle phases, THIDUA_BENCH_ONLY=commands16 all but the 16-client phase,
  // THIDUA_BENCH_ONLY=idle all but the idle connections, THIDUA_BENCH_ONLY=hot all but 16 clients on one
  // stream.
  const std::string only = std::getenv("THIDUA_BENCH_ONLY") ? std::getenv("THIDUA_BENCH_ONLY") : "";
  if (!only.empty() && only != "commands" && only != "commands16" && only != "fanout" && only != "idle" &&
      only != "hot") {
    std::fprintf(stderr, "THIDUA_BENCH_ONLY=%s: expected commands, commands16, hot, fanout or idle\n",
                 only.c_str());
    return 2;
  }
  fs::create_directories(a.dir);
  const std::string server_dir = a.dir + "/server";
  const std::string log_dir = a.dir + "/log";
  const prepared p = prepare(server_dir, 64);

  // Baseline: the log itself with 16 appenders, same disk, same run, same event size.
  double log16 = 0;
  {
    auto opened = storage::event_log::open(storage::log_options{.path = log_dir});
    if (!opened) return 1;
    const double cpu = self_cpu_seconds();
    const auto head = opened.value()->head().value;
    log16 =
        log_appends(*opened.value(), 16, a.event_bytes > 160 ? a.event_bytes - 146 : 16, a.seconds, "b16");
    std::printf("  log appends, 16 appenders: CPU per event %.1f us\n",
                (self_cpu_seconds() - cpu) * 1e6 / static_cast<double>(opened.value()->head().value - head));
  }

  server_child server = start_server(server_dir);
  asio::io_context ioc;
  auto guard = asio::make_work_guard(ioc);
  std::thread client_thread([&] { ioc.run(); });

  std::vector<std::pair<int, command_figures>> commands;
  for (int n : {1, 16, 64}) {
    const bool run = only.empty() || only == "commands" || (only == "commands16" && n == 16);
    commands.emplace_back(n, run ? run_commands(ioc, server.port, server.pid, p, n, a.seconds, a.event_bytes)
                                 : command_figures{});
  }
  // 16 clients on one stream: their commands are decided one after the other, many per WAL sync.
  const command_figures hot16 =
      only.empty() || only == "commands" || only == "hot"
          ? run_commands(ioc, server.port, server.pid, p, 16, a.seconds, a.event_bytes, /*one_stream=*/true)
          : command_figures{};
  if (only == "commands" || only == "commands16" || only == "hot") {
    guard.reset();
    ioc.stop();
    client_thread.join();
    stop_server(server);
    for (auto& [n, f] : commands)
      std::printf("commands end to end, %d clients: %.0f/s (p50 %.2f ms, p99 %.2f ms), server CPU %.1f us\n",
                  n, f.per_second, f.p50_ms, f.p99_ms, f.server_cpu_us);
    std::printf("commands end to end, 16 clients on one stream: %.0f/s (p50 %.2f ms, p99 %.2f ms)\n",
                hot16.per_second, hot16.p50_ms, hot16.p99_ms);
    std::printf("e2e16_vs_log16=%.2f hot16_vs_e2e16=%.2f\n", commands[1].second.per_second / log16,
                hot16.per_second / std::max(1.0, commands[1].second.per_second));
    return 0;
  }
  // The baseline again after the network runs, so drift on a noisy machine hits both alike.
  {
    auto opened = storage::event_log::open(storage::log_options{.path = log_dir});
    if (!opened) return 1;
    log16 = (log16 + log_appends(*opened.value(), 16, a.event_bytes > 160 ? a.event_bytes - 146 : 16,
                                 a.seconds, "c16")) /
            2;
  }
  const int subscribers =
      std::getenv("THIDUA_BENCH_SUBSCRIBERS") ? std::atoi(std::getenv("THIDUA_BENCH_SUBSCRIBERS")) : 1000;
  const fanout_figures fan = only == "idle" ? fanout_figures{}
                                            : run_fanout(ioc, server.port, p, subscribers, 100,
                                                         std::max(3.0, a.seconds), a.event_bytes);

  // Idle connections on a freshly started server, so the figure is theirs and not the earlier phases'.
  stop_server(server);
  server = start_server(server_dir);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long rss_before = rss_kib(server.pid);
  auto idle = open_connections(ioc, server.port, 10000, [&](int) { return p.office_token; });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long rss_after = rss_kib(server.pid);
  close_all(ioc, idle);

  guard.reset();
  ioc.stop();
  client_thread.join();
  stop_server(server);

  std::printf("thidua-bench api: ~%zu-byte events, server %s, dir %s\n", a.event_bytes, THIDUA_SERVER_PATH,
              a.dir.c_str());
  std::printf("%-44s %12s %10s %10s\n", "what", "per second", "p50 ms", "p99 ms");
  std::printf("%-44s %12.0f %10s %10s\n", "log appends, 16 appenders (baseline)", log16, "-", "-");
  for (auto& [n, f] : commands)
    std::printf(
        "%-44s %12.0f %10.2f %10.2f\n",
        ("commands end to end, " + std::to_string(n) + " WebSocket client" + (n > 1 ? "s" : "")).c_str(),
        f.per_second, f.p50_ms, f.p99_ms);
  std::printf("%-44s %12.0f %10.2f %10.2f\n", "commands end to end, 16 clients on one stream",
              hot16.per_second, hot16.p50_ms, hot16.p99_ms);
  for (auto& [n, f] : commands)
    std::printf("  %d client%s: CPU per command %.1f us in the server, %.1f us in the bench's clients\n", n,
                n > 1 ? "s" : "", f.server_cpu_us, f.client_cpu_us);
  std::printf("%-44s %12.0f %10.2f %10.2f\n",
              ("fan-out deliveries, " + std::to_string(subscribers) + " subscribers at 100/s").c_str(),
              fan.deliveries_per_second, fan.p50_ms, fan.p99_ms);
  std::printf("fan-out deliveries missing: %llu\n", static_cast<unsigned long long>(fan.missing));
  std::printf(
      "10,000 idle connections: server RSS %.1f MiB before, %.1f MiB after (+%.1f MiB, %.1f KiB each)\n",
      rss_before / 1024.0, rss_after / 1024.0, (rss_after - rss_before) / 1024.0,
      (rss_after - rss_before) / 10000.0);
  std::printf("e2e16_vs_log16=%.2f hot16_vs_e2e16=%.2f fanout_p99_ms=%.2f\n",
              commands[1].second.per_second / log16,
              hot16.per_second / std::max(1.0, commands[1].second.per_second), fan.p99_ms);
  // A subscriber that missed an event is a broken promise (no gap, no loss), not a slow figure.
  if (fan.missing > 0) {
    std::fprintf(stderr, "thidua-bench: %llu fan-out deliveries are missing\n",
                 static_cast<unsigned long long>(fan.missing));
    return 1;
  }
  return 0;
}

}  // namespace thidua::bench
