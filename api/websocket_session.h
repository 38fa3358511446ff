#pragma once
// Private to api/: one WebSocket connection at /v1/ws (protocol in docs/api.md).

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>

#include "api/command_service.h"

namespace thidua::api {

struct websocket_limits {
  std::size_t max_frame_bytes = 64 * 1024;  // larger frames close the connection (1009)
  std::size_t max_queued_replies = 256;     // a client that does not read its replies is disconnected
};

// Takes over a TCP stream whose HTTP request asked for the WebSocket upgrade.
void start_websocket_session(boost::beast::tcp_stream stream,
                             boost::beast::http::request<boost::beast::http::string_body> request,
                             command_service& service, websocket_limits limits);

}  // namespace thidua::api
