#pragma once
// Private to api/: the TCP stream every connection reads and writes, with its reads watched (byte_watch.h).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/basic_stream.hpp>

#include "api/net/byte_watch.h"

namespace thidua::api {

using net_stream = boost::beast::basic_stream<boost::asio::ip::tcp, boost::asio::any_io_executor, byte_watch>;

}  // namespace thidua::api
