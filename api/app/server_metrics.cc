#include "api/app/server_metrics.h"

#include <cstdio>

#include "api/app/build_info.h"

namespace thidua::api {

void append_metric(std::string& out, const char* name, const char* type, const char* help, double value) {
  char number[64];
  std::snprintf(number, sizeof number, "%.17g", value);
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
         number + "\n";
}

void append_histogram(std::string& out, const char* name, const char* help,
                      const std::vector<double>& bounds_seconds, const std::vector<std::uint64_t>& counts,
                      double sum_seconds) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " histogram\n";
  std::uint64_t cumulative = 0;
  char le[32];
  for (std::size_t b = 0; b < counts.size(); ++b) {
    cumulative += counts[b];
    if (b < bounds_seconds.size()) {
      std::snprintf(le, sizeof le, "%g", bounds_seconds[b]);
    } else {
      std::snprintf(le, sizeof le, "+Inf");
    }
    out += std::string(name) + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  char sum[64];
  std::snprintf(sum, sizeof sum, "%.6f", sum_seconds);
  out += std::string(name) + "_sum " + sum + "\n";
  out += std::string(name) + "_count " + std::to_string(cumulative) + "\n";
}

void server_metrics::command_done(command_outcome outcome, double latency_ms) {
  commands_[static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  std::size_t b = 0;
  while (b < latency_bounds_ms.size() && latency_ms > latency_bounds_ms[b]) ++b;
  latency_buckets_[b].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_.fetch_add(static_cast<std::uint64_t>(latency_ms * 1000), std::memory_order_relaxed);
}

std::string server_metrics::render() const {
  std::string out;
  out +=
      std::string(
          "# HELP thidua_build_info The server's version and the git commit it was built from (always 1).\n"
          "# TYPE thidua_build_info gauge\nthidua_build_info{version=\"") +
      build_version() + "\",commit=\"" + build_commit() + "\"} 1\n";
  append_metric(out, "thidua_http_connections", "gauge", "Open HTTP connections (not upgraded).",
                static_cast<double>(http_connections.load()));
  append_metric(out, "thidua_websocket_connections", "gauge", "Open WebSocket connections.",
                static_cast<double>(websocket_connections.load()));
  append_metric(out, "thidua_connections_refused_total", "counter",
                "Connections refused because the server was at its connection limit.",
                static_cast<double>(connections_refused.load()));
  append_metric(out, "thidua_frames_rate_limited_total", "counter",
                "WebSocket frames refused by the per-connection rate limit.",
                static_cast<double>(frames_rate_limited.load()));
  append_metric(out, "thidua_closed_for_flooding_total", "counter",
                "WebSocket connections closed (1008) for more refused frames in 10 s than the frame rate.",
                static_cast<double>(closed_for_flooding.load()));
  append_metric(out, "thidua_closed_unauthenticated_total", "counter",
                "WebSocket connections closed (1008) for not authenticating within --auth-timeout.",
                static_cast<double>(closed_unauthenticated.load()));
  append_metric(out, "thidua_closed_slow_frame_total", "counter",
                "WebSocket connections closed (1008) for a message not complete within --frame-timeout.",
                static_cast<double>(closed_slow_frame.load()));
  append_metric(out, "thidua_unauthenticated_refused_total", "counter",
                "WebSocket upgrades refused (503) because --max-unauthenticated connections were waiting.",
                static_cast<double>(unauthenticated_refused.load()));
  append_metric(out, "thidua_subscription_events_delivered_total", "counter",
                "Events handed to subscribers' connections.", static_cast<double>(events_delivered.load()));

  out += "# HELP thidua_commands_total Commands answered, by result.\n# TYPE thidua_commands_total counter\n";
  static constexpr const char* names[] = {"accepted", "duplicate", "rejected", "failed"};
  for (std::size_t i = 0; i < commands_.size(); ++i)
    out += std::string("thidua_commands_total{result=\"") + names[i] + "\"} " +
           std::to_string(commands_[i].load()) + "\n";

  std::vector<double> bounds;
  for (double ms : latency_bounds_ms) bounds.push_back(ms / 1000);
  std::vector<std::uint64_t> counts;
  for (const auto& c : latency_buckets_) counts.push_back(c.load());
  append_histogram(out, "thidua_command_latency_seconds", "From a command's arrival to its durable reply.",
                   bounds, counts, static_cast<double>(latency_sum_us_.load()) / 1e6);
  return out;
}

}  // namespace thidua::api
