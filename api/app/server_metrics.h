#pragma once
// The server's own counters, for GET /metrics. Lock-free: bumped from network threads and the log's thread.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace thidua::api {

class server_metrics {
 public:
  enum class command_outcome { accepted, duplicate, rejected, failed };
  // Upper bounds of the command latency histogram, in milliseconds (the last bucket is +Inf).
  static constexpr std::array<double, 12> latency_bounds_ms{0.25, 0.5, 1,   2,   5,    10,
                                                            25,   50,  100, 250, 1000, 5000};

  void command_done(command_outcome outcome, double latency_ms);
  std::atomic<std::int64_t> http_connections{0};
  std::atomic<std::int64_t> websocket_connections{0};
  std::atomic<std::uint64_t> connections_refused{0};  // over the connection limit
  std::atomic<std::uint64_t> frames_rate_limited{0};
  // WebSocket connections closed with 1008 by the server's limits: flooding past the rate limit, no
  // authentication within --auth-timeout, a message not complete within --frame-timeout of its first byte.
  std::atomic<std::uint64_t> closed_for_flooding{0};
  std::atomic<std::uint64_t> closed_unauthenticated{0};
  std::atomic<std::uint64_t> closed_slow_frame{0};
  // WebSocket upgrades refused because --max-unauthenticated connections were waiting to authenticate.
  std::atomic<std::uint64_t> unauthenticated_refused{0};
  std::atomic<std::uint64_t> events_delivered{0};

  // Prometheus text format of everything above.
  std::string render() const;

 private:
  std::array<std::atomic<std::uint64_t>, 4> commands_{};
  std::array<std::atomic<std::uint64_t>, latency_bounds_ms.size() + 1> latency_buckets_{};
  std::atomic<std::uint64_t> latency_sum_us_{0};
};

// Appends one metric in the Prometheus text format (with its HELP and TYPE lines).
void append_metric(std::string& out, const char* name, const char* type, const char* help, double value);
// Appends a histogram: `counts[i]` observations at most `bounds_seconds[i]`, the last count above them all.
void append_histogram(std::string& out, const char* name, const char* help,
                      const std::vector<double>& bounds_seconds, const std::vector<std::uint64_t>& counts,
                      double sum_seconds);

}  // namespace thidua::api
