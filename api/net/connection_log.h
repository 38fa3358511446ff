#pragma once
// One log line when a connection's handler gives up on an error, naming the connection, as Beast's examples'
// fail() does: the ordinary ends of a connection (the peer closed it, the server is stopping) at debug, every
// other error (a protocol violation, a failed TLS handshake, a reset, a timeout) at info.

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <string>
#include <string_view>

namespace thidua::api {

// "address:port" of the peer, or "?" when the socket no longer knows it. Taken once, when the connection
// starts.
std::string peer_of(const boost::asio::ip::tcp::socket& socket);

// kind: "http" or "websocket"; what: the step that failed ("read", "write", "TLS handshake", …).
void log_give_up(std::string_view kind, const std::string& peer, std::string_view what,
                 const boost::system::error_code& ec);

}  // namespace thidua::api
