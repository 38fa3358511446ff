#include "api/net/http_server.h"

#include <pthread.h>

#include "api/app/command_service.h"
#include "api/app/server_metrics.h"
#include "api/net/bearer.h"
#include "api/net/connection_log.h"
#include "api/net/connection_registry.h"
#include "api/net/connection_slot.h"
#include "api/net/net_stream.h"
#include "api/net/server_log.h"
#include "api/net/websocket_session.h"
#include "api/wire/services.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <type_traits>
#include <vector>

namespace thidua::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using tls_stream = beast::ssl_stream<net_stream>;

// One connection: owns itself through shared_from_this, reads a request, writes the reply, repeats. Holds a
// connection slot for as long as it lives (and hands it to the WebSocket session it upgrades to). `Stream` is
// net_stream, or TLS over it.
template <class Stream>
class session : public closable, public std::enable_shared_from_this<session<Stream>> {
  using std::enable_shared_from_this<session<Stream>>::shared_from_this;
  static constexpr bool tls = std::is_same_v<Stream, tls_stream>;

 public:
  session(Stream stream, const http_options& options, const http_server::handler& h,
          std::shared_ptr<connection_slot> slot, std::atomic<std::size_t>& unauthenticated,
          connection_registry& connections)
      : stream_(std::move(stream)),
        peer_(peer_of(beast::get_lowest_layer(stream_).socket())),
        executor_(stream_.get_executor()),
        options_(options),
        handler_(h),
        slot_(std::move(slot)),
        unauthenticated_(unauthenticated),
        connections_(connections) {
    if (options_.api && options_.api->metrics) ++options_.api->metrics->http_connections;
    access_log("connection_opened", {{"peer", peer_}});
  }
  ~session() override {
    if (options_.api && options_.api->metrics) --options_.api->metrics->http_connections;
    // An upgraded connection goes on as a WebSocket, which says when it closes.
    if (!upgraded_)
      access_log("connection_closed", {{"peer", peer_},
                                       {"kind", "http"},
                                       {"requests", std::to_string(served_), true},
                                       {"seconds", seconds_since(opened_), true}});
  }

  void run() {
    if constexpr (tls) {
      asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
        beast::get_lowest_layer(self->stream_)
            .expires_after(std::chrono::seconds(self->options_.auth_timeout_seconds));
        self->stream_.async_handshake(asio::ssl::stream_base::server, [self](beast::error_code ec) {
          // Not TLS, or a failed handshake: nothing to answer in.
          if (ec) return log_give_up("http", self->peer_, "TLS handshake", ec);
          self->do_read();
        });
      });
    } else {
      asio::dispatch(stream_.get_executor(),
                     beast::bind_front_handler(&session::do_read, shared_from_this()));
    }
  }

  void close() override {
    asio::post(executor_, [self = shared_from_this()] {
      if (self->upgraded_) return;  // the WebSocket session has the stream, and closes it itself
      beast::error_code ec;
      beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(self->stream_).close();
    });
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(options_.header_limit);
    parser_->body_limit(options_.body_limit);
    // The whole request must arrive within the deadline, however it is paced: a connection's first within
    // the authentication timeout, later ones within the idle timeout.
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(
        served_ == 0 ? std::min(options_.auth_timeout_seconds, options_.idle_timeout_seconds)
                     : options_.idle_timeout_seconds));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) log_give_up("http", peer_, "read", ec);
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted)
      return shutdown();
    if (ec) {
      const bool too_big = ec == http::error::header_limit || ec == http::error::body_limit;
      http_reply r{too_big ? 413u : 400u, "application/json; charset=utf-8",
                   std::string(R"({"code":")") + (too_big ? "REQUEST_TOO_LARGE" : "BAD_REQUEST") +
                       R"(","message":")" + ec.message() + "\"}"};
      return write(std::move(r), false);
    }
    auto& req = parser_->get();
    ++served_;
    if (beast::websocket::is_upgrade(req) && req.target() == "/v1/ws" && options_.api) return upgrade();
    // The handler may answer later from another thread: the reply comes back onto this connection's thread.
    beast::get_lowest_layer(stream_).expires_never();
    const bool keep_alive = req.keep_alive();
    handler_({std::string(req.method_string()), std::string(req.target()),
              std::string(req[http::field::authorization]), std::move(req.body())},
             [self = shared_from_this(), keep_alive, method = std::string(req.method_string()),
              target = std::string(req.target()), started = std::chrono::steady_clock::now()](http_reply r) {
               const std::string ms = milliseconds_since(started);
               if (r.status == 401)
                 access_log("auth_refused", {{"peer", self->peer_}, {"kind", "http"}, {"target", target}});
               std::vector<log_field> line{{"peer", self->peer_}, {"method", method}, {"target", target}};
               if (!r.unit.empty()) line.insert(line.end(), {{"unit", r.unit}, {"person", r.person}});
               for (const auto& [key, value] : r.logged) line.push_back({key, value});
               line.insert(line.end(), {{"status", std::to_string(r.status), true}, {"ms", ms, true}});
               access_log("request", line);
               asio::post(self->stream_.get_executor(), [self, keep_alive, r = std::move(r)]() mutable {
                 self->write(std::move(r), keep_alive);
               });
             });
  }

  // A token in the Authorization header authenticates the connection before its first frame; without one
  // the connection takes one of the few slots for unauthenticated WebSockets, or is refused.
  void upgrade() {
    auto& req = parser_->get();
    std::shared_ptr<const pb::TokenGrant> grant;
    const auto header = req[http::field::authorization];
    if (auto token = bearer_token({header.data(), header.size()})) {
      grant = options_.api->commands->authenticate(*token);
      if (!grant)
        access_log("auth_refused", {{"peer", peer_},
                                    {"kind", "websocket"},
                                    {"why", "the Authorization header's token is unknown or revoked"}});
    }
    std::unique_ptr<unauthenticated_slot> pending;
    if (!grant) {
      const std::size_t limit = options_.max_unauthenticated
                                    ? options_.max_unauthenticated
                                    : std::max<std::size_t>(1, options_.max_connections / 10);
      pending = unauthenticated_slot::take(unauthenticated_, limit);
      if (!pending) {
        if (options_.api->metrics) ++options_.api->metrics->unauthenticated_refused;
        return write({503, "application/json; charset=utf-8",
                      R"({"code":"TOO_MANY_UNAUTHENTICATED","field":"authorization",)"
                      R"("message":"too many connections are waiting to authenticate; send the token in the )"
                      R"(Authorization header or retry later",)"
                      R"("message_vi":"Quá nhiều kết nối đang chờ xác thực; hãy gửi token trong tiêu đề )"
                      R"(Authorization hoặc thử lại sau"})"},
                     false);
      }
    }
    // The WebSocket session sets its own timeouts and takes the connection over.
    beast::get_lowest_layer(stream_).expires_never();
    upgraded_ = true;
    connections_.add(start_websocket_session(std::move(stream_), parser_->release(), *options_.api,
                                             websocket_limits_of(options_), slot_, std::move(grant),
                                             std::move(pending)));
  }

  void write(http_reply r, bool keep_alive) {
    if (r.stream) return write_stream(std::move(r), keep_alive);
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "thidua-server");
    res->set(http::field::content_type, r.content_type);
    res->keep_alive(keep_alive);
    res->body() = std::move(r.body);
    res->prepare_payload();
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec) log_give_up("http", self->peer_, "write", ec);
      if (ec || !res->keep_alive()) return self->shutdown();
      self->do_read();
    });
  }

  // The header, then each piece as a chunk when the source hands it over, then the last chunk. A reader
  // that takes no piece for the idle timeout is dropped.
  void write_stream(http_reply r, bool keep_alive) {
    struct streaming {
      http::response<http::empty_body> header;
      std::optional<http::response_serializer<http::empty_body>> serializer;
      body_source source;
      std::string piece;
    };
    auto st = std::make_shared<streaming>();
    st->header = http::response<http::empty_body>(static_cast<http::status>(r.status), 11);
    st->header.set(http::field::server, "thidua-server");
    st->header.set(http::field::content_type, r.content_type);
    if (!r.content_disposition.empty())
      st->header.set(http::field::content_disposition, r.content_disposition);
    st->header.keep_alive(keep_alive);
    st->header.chunked(true);
    st->serializer.emplace(st->header);
    st->source = std::move(r.stream);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(options_.idle_timeout_seconds));
    http::async_write_header(stream_, *st->serializer,
                             [self = shared_from_this(), st](beast::error_code ec, std::size_t) {
                               if (ec) {
                                 log_give_up("http", self->peer_, "write", ec);
                                 return self->shutdown();
                               }
                               self->next_piece(st);
                             });
  }

  template <class Streaming>
  void next_piece(std::shared_ptr<Streaming> st) {
    beast::get_lowest_layer(stream_)
        .expires_never();  // producing a piece is the server's time, not the reader's
    st->source([self = shared_from_this(), st](body_piece p) {
      asio::post(self->stream_.get_executor(), [self, st, p = std::move(p)]() mutable {
        if (p.failed) {
          spdlog::warn(
              "http {}: a streamed reply failed midway; the connection is closed without its last chunk",
              self->peer_);
          return self->shutdown();
        }
        beast::get_lowest_layer(self->stream_)
            .expires_after(std::chrono::seconds(self->options_.idle_timeout_seconds));
        st->piece = std::move(p.bytes);
        const bool more = p.more;
        auto after = [self, st, more](beast::error_code ec, std::size_t) {
          if (ec) {
            log_give_up("http", self->peer_, "write", ec);
            return self->shutdown();
          }
          if (more) return self->next_piece(st);
          asio::async_write(self->stream_, http::make_chunk_last(),
                            [self, st](beast::error_code ec2, std::size_t) {
                              if (ec2) log_give_up("http", self->peer_, "write", ec2);
                              if (ec2 || !st->header.keep_alive()) return self->shutdown();
                              self->do_read();
                            });
        };
        // An empty chunk would read as the last one: skip it.
        if (st->piece.empty()) return after({}, 0);
        asio::async_write(self->stream_, http::make_chunk(asio::buffer(st->piece)), std::move(after));
      });
    });
  }

  void shutdown() {
    if constexpr (tls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
        beast::error_code ec;
        beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
      });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  const std::string peer_;          // for the log: "address:port"
  asio::any_io_executor executor_;  // the stream's, kept for close() after the stream moved on
  bool upgraded_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const http_options& options_;
  const http_server::handler& handler_;
  std::shared_ptr<connection_slot> slot_;
  std::atomic<std::size_t>& unauthenticated_;
  connection_registry& connections_;
  std::uint64_t served_ = 0;  // requests read
  const std::chrono::steady_clock::time_point opened_ = std::chrono::steady_clock::now();
};

// Answers a connection over the limit with 503 and closes it, without reading its request.
void refuse(tcp::socket socket) {
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  auto res = std::make_shared<http::response<http::string_body>>(http::status::service_unavailable, 11);
  res->set(http::field::server, "thidua-server");
  res->set(http::field::content_type, "application/json; charset=utf-8");
  res->set(http::field::retry_after, "5");
  res->keep_alive(false);
  res->body() =
      R"({"code":"TOO_MANY_CONNECTIONS","message":"the server is at its connection limit; retry later",)"
      R"("message_vi":"Máy chủ đã đạt giới hạn số kết nối; vui lòng thử lại sau"})";
  res->prepare_payload();
  stream->expires_after(std::chrono::seconds(5));
  http::async_write(*stream, *res, [stream, res](beast::error_code, std::size_t) {
    beast::error_code ec;
    stream->socket().shutdown(tcp::socket::shutdown_both, ec);
  });
}

}  // namespace

struct http_server::impl {
  // First: connection slots die with the io_context below.
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> unauthenticated{0};
  http_options options;
  handler handle;
  // One io_context per network thread, each run by that thread alone: a connection lives on one of them, so
  // its handlers never run concurrently without a strand, and its executor fits in asio's small-object
  // buffer (a strand's would be allocated on every copy).
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::size_t next_context = 0;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  connection_registry connections;
  std::optional<asio::ssl::context> tls;  // set when serving https and wss

  void do_accept() {
    auto& target = *contexts[next_context++ % contexts.size()];
    acceptor->async_accept(target, [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec && open.load() >= options.max_connections) {
        if (options.api && options.api->metrics) ++options.api->metrics->connections_refused;
        if (tls) {
          beast::error_code ignored;
          socket.close(ignored);  // a plain 503 would be garbage to a TLS client
        } else {
          refuse(std::move(socket));
        }
      } else if (!ec) {
        beast::error_code ignored;
        socket.set_option(asio::socket_base::send_buffer_size(options.send_buffer_bytes), ignored);
        // Replies and events are small frames that must leave at once, not wait for the previous one's ACK.
        socket.set_option(tcp::no_delay(true), ignored);
        std::shared_ptr<closable> s;
        auto slot = std::make_shared<connection_slot>(open);
        if (tls) {
          // Not make_shared: the list below keeps weak_ptrs, which would keep a joint block's memory alive.
          std::shared_ptr<session<tls_stream>> t(
              new session<tls_stream>(tls_stream(net_stream(std::move(socket)), *tls), options, handle,
                                      std::move(slot), unauthenticated, connections));
          t->run();
          s = std::move(t);
        } else {
          std::shared_ptr<session<net_stream>> p(new session<net_stream>(
              net_stream(std::move(socket)), options, handle, std::move(slot), unauthenticated, connections));
          p->run();
          s = std::move(p);
        }
        connections.add(s);
      } else {
        spdlog::warn("accept: {}", ec.message());
        if (ec == asio::error::no_descriptors) {
          // Out of file descriptors: pause accepting briefly instead of spinning on the error.
          auto t =
              std::make_shared<asio::steady_timer>(acceptor->get_executor(), std::chrono::milliseconds(100));
          t->async_wait([this, t](beast::error_code) { do_accept(); });
          return;
        }
      }
      do_accept();
    });
  }
};

http_server::http_server(http_options options, handler h) : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
  impl_->handle = std::move(h);
}

http_server::~http_server() {
  stop();
}

namespace {

// The TLS context of `options` (unset when they serve plain HTTP); an error message naming the file if a file
// does not load.
std::string load_tls(const http_options& options, std::optional<asio::ssl::context>& tls) {
  if (options.tls_cert_file.empty()) return {};
  beast::error_code ec;
  auto& ctx = tls.emplace(asio::ssl::context::tls_server);
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  ctx.use_certificate_chain_file(options.tls_cert_file, ec);
  if (ec) return "TLS certificate " + options.tls_cert_file + ": " + ec.message() + " (check --tls-cert)";
  ctx.use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) return "TLS key " + options.tls_key_file + ": " + ec.message() + " (check --tls-key)";
  return {};
}

// Opens, binds and listens `a` on the options' address and port.
std::string bind_listen(const http_options& options, tcp::acceptor& a) {
  beast::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return "listen address " + options.address + ": " + ec.message();
  const tcp::endpoint endpoint(address, options.port);
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return "listen on " + options.address + ":" + std::to_string(options.port) + ": " + ec.message() +
           (ec == asio::error::address_in_use ? " (another program uses the port: stop it or choose --port)"
                                              : "");
  return {};
}

}  // namespace

std::string check_listen(const http_options& options) {
  std::optional<asio::ssl::context> tls;
  if (auto err = load_tls(options, tls); !err.empty()) return err;
  asio::io_context ioc(1);
  tcp::acceptor a(ioc);
  return bind_listen(options, a);  // the acceptor closes here: the real start binds it again
}

std::string http_server::start() {
  if (auto err = load_tls(impl_->options, impl_->tls); !err.empty()) return err;
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i)
    impl_->contexts.push_back(std::make_unique<asio::io_context>(1));
  impl_->acceptor = std::make_unique<tcp::acceptor>(*impl_->contexts[0]);
  if (auto err = bind_listen(impl_->options, *impl_->acceptor); !err.empty()) return err;
  impl_->port = impl_->acceptor->local_endpoint().port();
  impl_->do_accept();
  for (auto& context : impl_->contexts)
    impl_->threads.emplace_back([&ioc = *context] {
      pthread_setname_np(pthread_self(), "network");
      // Runs until stop(), also while it has no connection.
      auto work = asio::make_work_guard(ioc);
      ioc.run();
    });
  return {};
}

void http_server::stop() {
  if (impl_->threads.empty()) return;
  asio::post(impl_->acceptor->get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
  });
  const std::size_t told = impl_->connections.close_all();
  spdlog::info("stopping: {} connections told to close, each after the replies it is owed", told);
  // Connections close on their own threads (a WebSocket after the replies it is owed and the close
  // handshake); give them a bounded time, then stop the loops regardless.
  if (!impl_->connections.wait_all_closed(std::chrono::seconds(5)))
    spdlog::warn("stopping: some connections did not close within 5 s; dropping them");
  for (auto& context : impl_->contexts) context->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

std::string http_server::scheme() const {
  return impl_->tls ? "https" : "http";
}

std::uint16_t http_server::port() const {
  return impl_->port;
}

}  // namespace thidua::api
