#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace thidua::api {

struct http_request_view {
  std::string method;
  std::string target;
  std::string authorization;  // the Authorization header, if any
  std::string body;           // at most http_options::body_limit bytes
};

// The next piece of a streamed body, handed to `deliver` once: `more` false when it is the last (it may be
// empty then); `failed` when the body cannot be completed (the client then sees it end without the last
// chunk, so it cannot take a cut-off export for a whole one).
struct body_piece {
  std::string bytes;
  bool more = false;
  bool failed = false;
};
using body_source = std::function<void(std::function<void(body_piece)> deliver)>;

struct http_reply {
  http_reply() = default;
  http_reply(unsigned s, std::string type, std::string b)
      : status(s), content_type(std::move(type)), body(std::move(b)) {}
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  // When set, the body is streamed (Transfer-Encoding: chunked) instead: the connection asks for each piece
  // once the one before is written, so a slow reader holds one piece in memory, never the whole body. An
  // extra header (e.g. Content-Disposition) may go with it.
  body_source stream;
  std::string content_disposition;
  // Whom the request's token speaks for, when it had one: the access log names them.
  std::string unit;
  std::string person;
  // More for the request's access line (a command's name, id and result).
  std::vector<std::pair<std::string, std::string>> logged;
};

struct services;

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
  // A connection that sends nothing for this long is closed (WebSocket: no frame and no answer to the
  // server's ping). Default: 60 s.
  int idle_timeout_seconds = 60;
  // Open connections (HTTP and WebSocket) at most; past it a new connection gets 503 and is closed.
  // Default: 15,000 (the server raises its open-file limit to fit).
  std::size_t max_connections = 15000;
  // WebSocket connections that have not authenticated yet, at most; past it an upgrade without a valid token
  // in its Authorization header gets 503. 0 = a tenth of max_connections (at least 1).
  std::size_t max_unauthenticated = 0;
  // A connection's first HTTP request must be complete within this long, and an upgraded WebSocket must
  // authenticate within it (else 1008). Default: 10 s.
  int auth_timeout_seconds = 10;
  // A WebSocket message must be complete this long after its first byte arrived (else 1008): a message
  // trickled a byte at a time does not hold a connection. Default: 10 s.
  int frame_timeout_seconds = 10;
  // Kernel send buffer per connection, in bytes: bounds what a slow reader can park in the kernel (beyond it,
  // subscriptions leave events in the log). Default: 256 KiB.
  int send_buffer_bytes = 256 * 1024;
  // PEM certificate chain and private key: when set, the port serves https and wss only. Default: none.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Serves WebSocket at /v1/ws when set, and counts connections in its metrics. Default: none (HTTP only).
  const services* api = nullptr;
  // WebSocket limits: frames per second per connection (a burst of twice as many passes), subscriptions per
  // connection, seconds between heartbeats to a connection with subscriptions. Defaults: 200, 16, 15.
  std::uint32_t frames_per_second = 200;
  std::uint32_t max_subscriptions = 16;
  std::uint32_t heartbeat_seconds = 15;
};

// What http_server::start() does first, without serving: loads the TLS files and binds the address and port,
// then lets them go. The server checks it before it writes anything: a busy port or a missing certificate
// found after the demo data was written would leave that data in the append-only log for good. Empty when
// fine, else what failed and what to do.
std::string check_listen(const http_options& options);

// HTTP/1.1 on Boost.Beast. The handler maps a request to a reply: it runs on a network thread and calls
// `respond` once, from any thread.
// Lifecycle: start() binds and runs; stop() closes the listener and every connection and joins the threads.
// Limits: header and body size, idle timeout (http_options); an oversized or malformed request gets 400/413
// and the connection is closed.
class http_server {
 public:
  using responder = std::function<void(http_reply)>;
  using handler = std::function<void(const http_request_view&, responder respond)>;
  http_server(http_options options, handler h);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Binds and starts serving. Returns an error message on failure, empty on success.
  std::string start();
  void stop();
  std::uint16_t port() const;
  // "https" when serving TLS, else "http".
  std::string scheme() const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace thidua::api
