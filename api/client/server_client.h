#pragma once
// A client of a running thidua-server, for the operator's tools: one HTTP request at a time, or a WebSocket
// that sends text frames and reads them (the protobuf JSON mapping). Plain or TLS (https, wss: the server's
// certificate is checked against the system's authorities, or the one --ca-file names).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace thidua::api {

struct server_url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string text() const;  // "http://127.0.0.1:8080"
};

// "http://host:port" or "https://host[:port]" (a path after it is ignored); nullopt and `why` when malformed.
std::optional<server_url> parse_server_url(std::string_view url, std::string& why);

struct client_options {
  std::string token;    // sent as Authorization: Bearer <token>; empty: none
  std::string ca_file;  // PEM authorities for a TLS server; empty: the system's
  std::chrono::seconds timeout{60};
  // Sent with each request beside the usual ones.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string user_agent = "thidua";
  // An answer's body longer than this is a failure (a webhook receiver answers little). Default: 1 GiB.
  std::uint64_t max_answer_bytes = std::uint64_t{1} << 30;
};

struct http_answer {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

// Whether TLS authorities load: `ca_file` (PEM), or this machine's when empty. False with `why` naming the
// file.
bool authorities_load(const std::string& ca_file, std::string& why);

// One request on a connection of its own. False, with `why` in plain words (refused, timed out, a TLS
// failure), when no answer came.
bool http_call(const server_url& server, const client_options& options, std::string_view method,
               std::string_view target, std::string_view body, http_answer& answer, std::string& why);

// GET `target` whose body may be large (an export): each piece goes to `sink` as it arrives (sink returns
// false to stop: a write failed). A non-200 answer is read whole into `answer` instead. False, with `why`,
// when the answer could not be read to its end — a body cut short (the server failed midway) included.
bool http_download(const server_url& server, const client_options& options, std::string_view target,
                   const std::function<bool(std::string_view)>& sink, http_answer& answer, std::string& why);

// A WebSocket at /v1/ws, authenticated by the token in its upgrade request.
class websocket_client {
 public:
  // Null, with `why`, when the connection or the upgrade failed (a 401 says the token was refused).
  static std::unique_ptr<websocket_client> open(const server_url& server, const client_options& options,
                                                std::string& why);
  ~websocket_client();
  websocket_client(const websocket_client&) = delete;
  websocket_client& operator=(const websocket_client&) = delete;

  // False, with `why`, when the frame could not be sent.
  bool send(std::string_view text, std::string& why);
  // The next frame; waits at most `wait` (0: for ever). False, with `why`, when the connection ended or the
  // wait passed (`timed_out` set then, and the connection is no longer usable).
  bool read(std::string& frame, std::chrono::milliseconds wait, bool& timed_out, std::string& why);

  struct impl;

 private:
  explicit websocket_client(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace thidua::api
