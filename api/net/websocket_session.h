#pragma once
// Private to api/: one WebSocket connection at /v1/ws (protocol in docs/api.md).

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstddef>
#include <memory>

#include "api/net/connection_registry.h"
#include "api/net/connection_slot.h"
#include "api/net/http_server.h"
#include "api/net/net_stream.h"
#include "api/wire/services.h"

namespace thidua::api {

namespace pb {
class TokenGrant;
}

struct websocket_limits {
  std::size_t max_frame_bytes = 64 * 1024;  // larger frames close the connection (1009)
  std::size_t max_queued_frames = 256;      // a client that does not read what it is sent is disconnected
  std::uint32_t frames_per_second = 200;    // a burst of twice as many passes; beyond, RATE_LIMITED
  std::uint32_t max_subscriptions = 16;
  std::uint32_t heartbeat_seconds = 15;
  int idle_timeout_seconds = 60;
  int auth_timeout_seconds = 10;   // an unauthenticated connection is closed (1008) after this long
  int frame_timeout_seconds = 10;  // a message must be complete this long after its first byte (else 1008)
};

websocket_limits websocket_limits_of(const http_options& o);

// Takes over a connection (plain TCP, or TLS over it) whose HTTP request asked for the WebSocket upgrade.
// `grant`: what the request's Authorization header authenticated, if anything; `pending`: the slot counting
// the connection as unauthenticated until it authenticates (null when it has). Returns the session, for the
// server to close when it stops.
std::shared_ptr<closable> start_websocket_session(
    net_stream stream, boost::beast::http::request<boost::beast::http::string_body> request,
    const services& api, websocket_limits limits, std::shared_ptr<connection_slot> slot,
    std::shared_ptr<const pb::TokenGrant> grant, std::unique_ptr<unauthenticated_slot> pending);
std::shared_ptr<closable> start_websocket_session(
    boost::beast::ssl_stream<net_stream> stream,
    boost::beast::http::request<boost::beast::http::string_body> request, const services& api,
    websocket_limits limits, std::shared_ptr<connection_slot> slot,
    std::shared_ptr<const pb::TokenGrant> grant, std::unique_ptr<unauthenticated_slot> pending);

}  // namespace thidua::api
