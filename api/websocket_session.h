#pragma once
// Private to api/: one WebSocket connection at /v1/ws (protocol in docs/api.md).

#include <atomic>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstddef>
#include <memory>

#include "api/http_server.h"
#include "api/services.h"

namespace thidua::api {

// Counts an open connection for as long as it lives.
class connection_slot {
 public:
  explicit connection_slot(std::atomic<std::size_t>& open) : open_(open) { ++open_; }
  ~connection_slot() { --open_; }
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

 private:
  std::atomic<std::size_t>& open_;
};

struct websocket_limits {
  std::size_t max_frame_bytes = 64 * 1024;  // larger frames close the connection (1009)
  std::size_t max_queued_frames = 256;      // a client that does not read what it is sent is disconnected
  std::uint32_t frames_per_second = 200;    // a burst of twice as many passes; beyond, RATE_LIMITED
  std::uint32_t max_subscriptions = 16;
  std::uint32_t heartbeat_seconds = 15;
  int idle_timeout_seconds = 60;
};

websocket_limits websocket_limits_of(const http_options& o);

// Takes over a connection (plain TCP, or TLS over it) whose HTTP request asked for the WebSocket upgrade.
void start_websocket_session(boost::beast::tcp_stream stream,
                             boost::beast::http::request<boost::beast::http::string_body> request,
                             const services& api, websocket_limits limits,
                             std::shared_ptr<connection_slot> slot);
void start_websocket_session(boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                             boost::beast::http::request<boost::beast::http::string_body> request,
                             const services& api, websocket_limits limits,
                             std::shared_ptr<connection_slot> slot);

}  // namespace thidua::api
