#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace thidua::api {

struct http_request_view {
  std::string method;
  std::string target;
};

struct http_reply {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
};

class command_service;

struct http_options {
  // Address to bind. Default: 127.0.0.1.
  std::string address = "127.0.0.1";
  // Port; 0 lets the system choose (see port()). Default: 8080.
  std::uint16_t port = 8080;
  // Threads running the network loop. Default: 2.
  int threads = 2;
  // Largest request header, in bytes. Default: 8 KiB.
  std::uint32_t header_limit = 8 * 1024;
  // Largest request body, in bytes. Default: 64 KiB.
  std::uint64_t body_limit = 64 * 1024;
  // A connection that sends nothing for this long is closed. Default: 30 s.
  int idle_timeout_seconds = 30;
  // Serves WebSocket at /v1/ws when set. Default: none (HTTP only).
  command_service* service = nullptr;
};

// HTTP/1.1 on Boost.Beast. The handler maps a request to a reply; it runs on a network thread.
// Lifecycle: start() binds and runs; stop() closes the listener and every connection and joins the threads.
// Limits: header and body size, idle timeout (http_options); an oversized or malformed request gets 400/413
// and the connection is closed.
class http_server {
 public:
  using handler = std::function<http_reply(const http_request_view&)>;
  http_server(http_options options, handler h);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Binds and starts serving. Returns an error message on failure, empty on success.
  std::string start();
  void stop();
  std::uint16_t port() const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace thidua::api
