// --tls-cert/--tls-key: the same port serves https and wss only, with a certificate this test makes.

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdio>

#include "tests/api/api_support.h"
#include "tests/api/test_certificate.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// The server on its demo data, serving TLS with a certificate made for the test.
class tls_server : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GT(server.port(), 0) << server.output(); }
  temp_dir dir;
  const std::string cert = dir.sub("cert.pem"), key = dir.sub("key.pem");
  const bool certificate_made = (make_certificate(cert, key), true);  // before the server starts on it
  server_process server{dir.sub("data"), {"--tls-cert", cert, "--tls-key", key}};
};

TEST_F(tls_server, https_and_wss_with_a_certificate_the_test_makes_and_plain_http_gets_nothing) {
  EXPECT_NE(server.output().find("listening on https://"), std::string::npos) << server.output();

  asio::io_context ioc;
  asio::ssl::context ssl(asio::ssl::context::tls_client);
  ssl.load_verify_file(cert);
  ssl.set_verify_mode(asio::ssl::verify_peer);
  const tcp::endpoint at(asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(server.port()));

  // https: the certificate verifies and /healthz answers.
  {
    beast::ssl_stream<beast::tcp_stream> s(ioc, ssl);
    beast::get_lowest_layer(s).connect(at);
    s.handshake(asio::ssl::stream_base::client);
    http::request<http::string_body> req(http::verb::get, "/healthz", 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(s, req);
    beast::flat_buffer b;
    http::response<http::string_body> res;
    http::read(s, b, res);
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_NE(res.body().find(R"("status":"ok")"), std::string::npos);
  }
  // wss: authenticate with a demo token, ping.
  {
    const std::string token = demo_tokens(dir.sub("data")).at("ORGANIZER_OFFICE BCA-X03");
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ssl);
    beast::get_lowest_layer(ws).connect(at);
    ws.next_layer().handshake(asio::ssl::stream_base::client);
    ws.set_option(websocket::stream_base::decorator(
        [&](websocket::request_type& r) { r.set(http::field::authorization, "Bearer " + token); }));
    ws.handshake("127.0.0.1", "/v1/ws");
    ws.text(true);
    ws.write(asio::buffer(std::string(R"({"request_id":"p","ping":{}})")));
    beast::flat_buffer b;
    ws.read(b);
    const std::string reply = beast::buffers_to_string(b.data());
    EXPECT_NE(reply.find(R"("pong")"), std::string::npos) << reply;
    ws.close(websocket::close_code::normal);
  }
  // Plain HTTP on the TLS port gets no answer (the handshake fails), and the server keeps serving.
  const std::string plain = http_get(server.port(), "/healthz");
  EXPECT_EQ(plain.find("HTTP/1.1 200"), std::string::npos) << plain;
  EXPECT_EQ(server.terminate(), 0) << server.output();
}

TEST(tls, a_missing_certificate_stops_the_server_with_a_clear_message) {
  temp_dir dir;
  server_process server(dir.sub("data"),
                        {"--tls-cert", dir.sub("none.pem"), "--tls-key", dir.sub("none.key")});
  EXPECT_EQ(server.port(), 0);
  const int status = server.terminate();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  EXPECT_NE(server.output().find("TLS certificate"), std::string::npos) << server.output();
}

// thidua through a TLS server: it checks the certificate (against --ca-file here; the system's authorities
// do not know this one) and its address, over HTTPS and WSS.
TEST_F(tls_server, thidua_talks_to_a_tls_server_only_with_a_certificate_it_can_check) {
  const std::string office = demo_tokens(dir.sub("data")).at("ORGANIZER_OFFICE BCA-X03");

  const auto checked =
      run_cli(CLI_PATH, "status --json --data-dir " + dir.sub("data") + " --ca-file " + cert);
  EXPECT_EQ(checked.status, 0) << checked.err;
  EXPECT_NE(checked.err.find("https://127.0.0.1:" + std::to_string(server.port())), std::string::npos)
      << checked.err;
  EXPECT_NE(checked.out.find("\"head\""), std::string::npos) << checked.out;

  const auto unchecked = run_cli(CLI_PATH, "status --data-dir " + dir.sub("data"));
  EXPECT_EQ(unchecked.status, 1);
  EXPECT_NE(unchecked.err.find("certificate"), std::string::npos) << unchecked.err;
  // The certificate names 127.0.0.1, not localhost: the name is checked too.
  const auto wrong_name = run_cli(
      CLI_PATH, "status --server https://localhost:" + std::to_string(server.port()) + " --ca-file " + cert);
  EXPECT_EQ(wrong_name.status, 1) << wrong_name.out;

  const auto tail = run_cli(CLI_PATH,
                            "tail --until-caught-up --data-dir " + dir.sub("data") + " --ca-file " + cert +
                                " --state-file " + dir.sub("tail.state"),
                            "THIDUA_TOKEN=" + office);
  EXPECT_EQ(tail.status, 0) << tail.err;
  EXPECT_NE(tail.out.find("ClusterDefined"), std::string::npos) << tail.out;
}

}  // namespace
}  // namespace thidua::testing
