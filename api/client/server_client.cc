#include "api/client/server_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <limits>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace thidua::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

using plain = beast::tcp_stream;
using secure = beast::ssl_stream<beast::tcp_stream>;

// Runs the operations started on `ioc` to their end.
void run(asio::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

std::string said(const beast::error_code& ec, const server_url& server, const char* doing) {
  if (ec == asio::error::connection_refused)
    return "no server answers at " + server.text() + " (connection refused): is thidua-server running there?";
  if (ec == beast::error::timeout)
    return "the server at " + server.text() + " did not answer in time (" + doing + ")";
  return std::string(doing) + " " + server.text() + ": " + ec.message();
}

// Connects the lowest layer (and shakes hands for TLS); false with `why` on failure.
template <class Stream>
bool connect(asio::io_context& ioc, Stream& stream, const server_url& server, const client_options& o,
             std::string& why) {
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  const auto found = resolver.resolve(server.host, server.port, ec);
  if (ec) {
    why = "cannot find " + server.host + ": " + ec.message();
    return false;
  }
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(o.timeout);
  lowest.async_connect(found, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  run(ioc);
  if (ec) {
    why = said(ec, server, "connecting to");
    return false;
  }
  if constexpr (std::is_same_v<Stream, secure>) {
    // The name the certificate must carry, also sent for servers that hold several.
    if (!SSL_set_tlsext_host_name(stream.native_handle(), server.host.c_str())) {
      why = "TLS: cannot set the server name " + server.host;
      return false;
    }
    // OpenSSL's own check of the certificate's name (or IP address) against the one asked for.
    beast::error_code not_ip;
    asio::ip::make_address(server.host, not_ip);
    const bool named = not_ip ? SSL_set1_host(stream.native_handle(), server.host.c_str()) == 1
                              : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream.native_handle()),
                                                              server.host.c_str()) == 1;
    if (!named) {
      why = "TLS: cannot check the certificate against " + server.host;
      return false;
    }
    stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
    run(ioc);
    if (ec) {
      why = "TLS with " + server.text() + " failed (" + ec.message() +
            "): is its certificate signed by an authority this machine trusts, or by one in the "
            "authorities file given (thidua --ca-file, thidua-server --webhook-ca-file)?";
      return false;
    }
  }
  return true;
}

std::unique_ptr<asio::ssl::context> tls_context(const client_options& o, std::string& why) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  beast::error_code ec;
  if (o.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(o.ca_file, ec);
  }
  if (ec) {
    why = "cannot load the authorities " + (o.ca_file.empty() ? std::string("of this machine") : o.ca_file) +
          ": " + ec.message();
    return nullptr;
  }
  ctx->set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

}  // namespace

bool authorities_load(const std::string& ca_file, std::string& why) {
  client_options o;
  o.ca_file = ca_file;
  return tls_context(o, why) != nullptr;
}

namespace {

// Connects and sends one request (a JSON body when `body` is not empty); false with `why` on failure.
template <class Stream>
bool send_request(asio::io_context& ioc, Stream& stream, const server_url& server, const client_options& o,
                  std::string_view method, std::string_view target, std::string_view body, std::string& why) {
  if (!connect(ioc, stream, server, o, why)) return false;
  http::request<http::string_body> req{
      http::string_to_verb({method.data(), method.size()}), {target.data(), target.size()}, 11};
  req.set(http::field::host, server.host);
  req.set(http::field::user_agent, o.user_agent);
  for (const auto& [name, value] : o.headers) req.set(name, value);
  if (!o.token.empty()) req.set(http::field::authorization, "Bearer " + o.token);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(body);
  }
  req.prepare_payload();
  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_after(o.timeout);
  http::async_write(stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
  run(ioc);
  if (ec) why = said(ec, server, "sending to");
  return !ec;
}

template <class Stream>
bool call(asio::io_context& ioc, Stream& stream, const server_url& server, const client_options& o,
          std::string_view method, std::string_view target, std::string_view body, http_answer& answer,
          std::string& why) {
  if (!send_request(ioc, stream, server, o, method, target, body, why)) return false;
  beast::error_code ec;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(o.max_answer_bytes);
  beast::get_lowest_layer(stream).expires_after(o.timeout);
  http::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
  run(ioc);
  if (ec) {
    why = said(ec, server, "reading from");
    return false;
  }
  auto& res = parser.get();
  answer.status = res.result_int();
  answer.content_type = std::string(res[http::field::content_type]);
  answer.body = std::move(res.body());
  return true;
}

template <class Stream>
bool download(asio::io_context& ioc, Stream& stream, const server_url& server, const client_options& o,
              std::string_view target, const std::function<bool(std::string_view)>& sink, http_answer& answer,
              std::string& why) {
  if (!send_request(ioc, stream, server, o, "GET", target, {}, why)) return false;
  beast::error_code ec;
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  beast::get_lowest_layer(stream).expires_after(o.timeout);
  http::async_read_header(stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
  run(ioc);
  if (ec) {
    why = said(ec, server, "reading from");
    return false;
  }
  answer.status = parser.get().result_int();
  answer.content_type = std::string(parser.get()[http::field::content_type]);
  std::vector<char> piece(64 * 1024);
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    // Each piece within the timeout: a server that stops sending midway is not waited for for ever.
    beast::get_lowest_layer(stream).expires_after(o.timeout);
    http::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    run(ioc);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      why = ec == http::error::partial_message || ec == http::error::end_of_stream
                ? "the server at " + server.text() + " ended the answer before its end (see its log)"
                : said(ec, server, "reading from");
      return false;
    }
    const std::size_t got = piece.size() - parser.get().body().size;
    const std::string_view bytes(piece.data(), got);
    if (answer.status != 200) {
      answer.body.append(bytes);
    } else if (got > 0 && !sink(bytes)) {
      why = "writing what the server sent failed";
      return false;
    }
  }
  return true;
}

}  // namespace

std::string server_url::text() const {
  return std::string(tls ? "https" : "http") + "://" + host + ":" + port;
}

std::optional<server_url> parse_server_url(std::string_view url, std::string& why) {
  server_url s;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    s.tls = true;
    rest = url.substr(8);
  } else {
    why = "\"" + std::string(url) + "\" is not a server address: write http://host:port or https://host:port";
    return std::nullopt;
  }
  rest = rest.substr(0, rest.find('/'));
  std::string_view host = rest, port;
  if (rest.starts_with("[")) {  // [::1]:8080
    const auto close = rest.find(']');
    if (close == std::string_view::npos) {
      why = "\"" + std::string(url) + "\": an IPv6 address needs its closing ]";
      return std::nullopt;
    }
    host = rest.substr(1, close - 1);
    if (rest.size() > close + 1 && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) {
    why = "\"" + std::string(url) + "\" names no host";
    return std::nullopt;
  }
  for (char c : port)
    if (c < '0' || c > '9') {
      why = "\"" + std::string(url) + "\": the port must be a number";
      return std::nullopt;
    }
  s.host = std::string(host);
  s.port = port.empty() ? (s.tls ? "443" : "80") : std::string(port);
  return s;
}

bool http_call(const server_url& server, const client_options& options, std::string_view method,
               std::string_view target, std::string_view body, http_answer& answer, std::string& why) {
  asio::io_context ioc;
  if (!server.tls) {
    plain stream(ioc);
    return call(ioc, stream, server, options, method, target, body, answer, why);
  }
  auto ctx = tls_context(options, why);
  if (!ctx) return false;
  secure stream(ioc, *ctx);
  return call(ioc, stream, server, options, method, target, body, answer, why);
}

bool http_download(const server_url& server, const client_options& options, std::string_view target,
                   const std::function<bool(std::string_view)>& sink, http_answer& answer, std::string& why) {
  asio::io_context ioc;
  if (!server.tls) {
    plain stream(ioc);
    return download(ioc, stream, server, options, target, sink, answer, why);
  }
  auto ctx = tls_context(options, why);
  if (!ctx) return false;
  secure stream(ioc, *ctx);
  return download(ioc, stream, server, options, target, sink, answer, why);
}

struct websocket_client::impl {
  virtual ~impl() = default;
  virtual bool send(std::string_view text, std::string& why) = 0;
  virtual bool read(std::string& frame, std::chrono::milliseconds wait, bool& timed_out,
                    std::string& why) = 0;
};

namespace {

template <class Next>
struct websocket_impl final : websocket_client::impl {
  asio::io_context ioc;
  std::unique_ptr<asio::ssl::context> ctx;
  std::unique_ptr<websocket::stream<Next>> ws;
  server_url server;
  beast::flat_buffer buffer;

  bool open(const server_url& s, const client_options& o, std::string& why) {
    server = s;
    if constexpr (std::is_same_v<Next, secure>) {
      ctx = tls_context(o, why);
      if (!ctx) return false;
      ws = std::make_unique<websocket::stream<Next>>(ioc, *ctx);
    } else {
      ws = std::make_unique<websocket::stream<Next>>(ioc);
    }
    if (!connect(ioc, ws->next_layer(), s, o, why)) return false;
    ws->set_option(websocket::stream_base::decorator([token = o.token](websocket::request_type& req) {
      req.set(http::field::user_agent, "thidua");
      if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    }));
    beast::error_code ec;
    websocket::response_type res;
    ws->async_handshake(res, s.host, "/v1/ws", [&](beast::error_code e) { ec = e; });
    run(ioc);
    if (ec) {
      why = res.result_int() == 401 ? "the server at " + s.text() + " refused the token (unknown or revoked)"
                                    : said(ec, s, "opening a WebSocket to");
      return false;
    }
    beast::get_lowest_layer(*ws).expires_never();
    ws->text(true);
    return true;
  }

  bool send(std::string_view text, std::string& why) override {
    beast::error_code ec;
    ws->async_write(asio::buffer(text.data(), text.size()),
                    [&](beast::error_code e, std::size_t) { ec = e; });
    run(ioc);
    if (ec) why = said(ec, server, "sending to");
    return !ec;
  }

  bool read(std::string& frame, std::chrono::milliseconds wait, bool& timed_out, std::string& why) override {
    timed_out = false;
    beast::error_code ec;
    bool done = false;
    ws->async_read(buffer, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    ioc.restart();
    if (wait.count() > 0) {
      ioc.run_for(wait);
    } else {
      ioc.run();
    }
    if (!done) {
      // The read is still waiting: end it (the stream cannot be used after an abandoned read).
      beast::get_lowest_layer(*ws).close();
      run(ioc);
      timed_out = true;
      why = "nothing came from " + server.text() + " in time";
      return false;
    }
    if (ec) {
      why = ec == websocket::error::closed
                ? "the server closed the connection (" + std::string(ws->reason().reason.c_str()) + ")"
                : said(ec, server, "reading from");
      return false;
    }
    frame = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    return true;
  }
};

}  // namespace

std::unique_ptr<websocket_client> websocket_client::open(const server_url& server,
                                                         const client_options& options, std::string& why) {
  std::unique_ptr<impl> i;
  bool ok = false;
  if (server.tls) {
    auto w = std::make_unique<websocket_impl<secure>>();
    ok = w->open(server, options, why);
    i = std::move(w);
  } else {
    auto w = std::make_unique<websocket_impl<plain>>();
    ok = w->open(server, options, why);
    i = std::move(w);
  }
  if (!ok) return nullptr;
  return std::unique_ptr<websocket_client>(new websocket_client(std::move(i)));
}

websocket_client::websocket_client(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
websocket_client::~websocket_client() = default;

bool websocket_client::send(std::string_view text, std::string& why) {
  return impl_->send(text, why);
}

bool websocket_client::read(std::string& frame, std::chrono::milliseconds wait, bool& timed_out,
                            std::string& why) {
  return impl_->read(frame, wait, timed_out, why);
}

}  // namespace thidua::api
