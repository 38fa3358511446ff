#include "api/net/connection_log.h"

#include <spdlog/spdlog.h>

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

namespace thidua::api {

std::string peer_of(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "?";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

void log_give_up(std::string_view kind, const std::string& peer, std::string_view what,
                 const boost::system::error_code& ec) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  const bool ordinary = ec == beast::websocket::error::closed || ec == beast::http::error::end_of_stream ||
                        ec == asio::error::eof || ec == asio::error::operation_aborted;
  spdlog::log(ordinary ? spdlog::level::debug : spdlog::level::info, "{} {}: {}: {}", kind, peer, what,
              ec.message());
}

}  // namespace thidua::api
