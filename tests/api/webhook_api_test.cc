// Webhooks on the real server with a real receiver on 127.0.0.1: a receiver that fails the first five
// deliveries then sees every notice exactly once, in order, each signed as docs/api.md says (checked with
// the docs' own Python); a webhook that keeps failing is suspended, says so, and resumes; deliveries pending
// when the server is killed go out after it restarts; an HTTPS receiver gets them only once its authority is
// trusted (--webhook-ca-file).

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <google/protobuf/util/json_util.h>

#include "api/app/proto/webhooks.pb.h"
#include "tests/api/api_support.h"
#include "tests/api/test_certificate.h"
#include "tests/domain/cluster_ii_script.h"

namespace thidua::testing {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// An HTTP receiver that answers `fail_status` to the first `fail_first` requests (or to every request while
// `failing`), 200 after, and keeps what it was sent. With a certificate and key it speaks HTTPS only.
class receiver {
 public:
  struct request {
    unsigned answered = 0;
    std::string delivery_id, signature, timestamp, target, body;
  };
  explicit receiver(int fail_first, unsigned fail_status = 500, const std::string& cert = "",
                    const std::string& key = "")
      : fail_first_(fail_first), fail_status_(fail_status) {
    if (!cert.empty()) {
      tls_.emplace(asio::ssl::context::tls_server);
      tls_->use_certificate_chain_file(cert);
      tls_->use_private_key_file(key, asio::ssl::context::pem);
    }
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~receiver() {
    stopping_ = true;
    asio::ip::tcp::socket wake(ioc_);
    boost::system::error_code ec;
    wake.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)}, ec);
    thread_.join();
  }
  int port() const { return port_; }
  void set_failing(bool f) {
    std::lock_guard lock(mutex_);
    failing_ = f;
  }
  std::vector<request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // The requests answered 200, in order.
  std::vector<request> delivered() const {
    std::vector<request> out;
    for (auto& r : requests())
      if (r.answered == 200) out.push_back(r);
    return out;
  }
  // TLS handshakes that failed (the client did not trust the certificate, or spoke plain HTTP).
  int refused_handshakes() const { return refused_handshakes_; }
  bool wait_for_delivered(std::size_t n) const {
    for (int i = 0; i < 400 && delivered().size() < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return delivered().size() >= n;
  }

 private:
  void serve() {
    while (!stopping_) {
      asio::ip::tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stopping_) continue;
      if (!tls_) {
        answer(s);
        continue;
      }
      asio::ssl::stream<asio::ip::tcp::socket&> secure(s, *tls_);
      secure.handshake(asio::ssl::stream_base::server, ec);
      if (ec) {
        ++refused_handshakes_;
        continue;
      }
      answer(secure);
    }
  }
  template <class Stream>
  void answer(Stream& s) {
    boost::system::error_code ec;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(s, buffer, req, ec);
    if (ec) return;
    request r;
    r.delivery_id = std::string(req["X-ThiDua-Delivery"]);
    r.signature = std::string(req["X-ThiDua-Signature"]);
    r.timestamp = std::string(req["X-ThiDua-Timestamp"]);
    r.target = std::string(req.target());
    r.body = req.body();
    {
      std::lock_guard lock(mutex_);
      const bool fail = failing_ || static_cast<int>(requests_.size()) < fail_first_;
      r.answered = fail ? fail_status_ : 200;
      requests_.push_back(r);
    }
    http::response<http::string_body> res{static_cast<http::status>(r.answered), 11};
    res.body() = r.answered == 200 ? "ok" : "thử lại sau";
    res.prepare_payload();
    http::write(s, res, ec);
  }
  asio::io_context ioc_;
  std::optional<asio::ssl::context> tls_;
  std::atomic<int> refused_handshakes_{0};
  asio::ip::tcp::acceptor acceptor_{ioc_};
  int port_ = 0;
  const int fail_first_;
  const unsigned fail_status_;
  mutable std::mutex mutex_;
  bool failing_ = false;
  std::vector<request> requests_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

std::string hmac_sha256_hex(const std::string& key, const std::string& text) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &n);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += digits[mac[i] >> 4];
    out += digits[mac[i] & 15];
  }
  return out;
}

const std::vector<std::string> fast_retries = {
    "--webhook-retry-base-ms", "20", "--webhook-retry-max-ms", "200", "--webhook-suspend-after", "8"};

class webhook_api : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GT(server->port(), 0) << server->output(); }
  temp_dir dir;
  std::unique_ptr<server_process> server = std::make_unique<server_process>(dir.sub("data"), fast_retries);
  const std::map<std::string, std::string> tokens = demo_tokens(dir.sub("data"));

  // POST /v1/commands as `token`; the CommandAccepted (the test fails on another answer).
  api::pb::CommandAccepted post(const std::string& token, const std::string& json) {
    const auto r = http_post(server->port(), "/v1/commands", json, token);
    api::pb::CommandAccepted a;
    EXPECT_EQ(http_status(r), 200u) << r;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(http_body(r), &a).ok()) << r;
    return a;
  }
  api::pb::CommandAccepted add_webhook(const std::string& token, const std::string& id, int port,
                                       const std::string& scheme = "http") {
    return post(token, R"({"command_id":")" + id + R"(","webhook":{"add":{"url":")" + scheme +
                           "://127.0.0.1:" + std::to_string(port) + R"(/hooks/thidua?unit=sonla"}}})");
  }
  // A correction of Cluster II 2023's opening by the office: a notice to every member; its position.
  std::uint64_t correction(const std::string& id) {
    ws_client office(server->port(), tokens.at("ORGANIZER_OFFICE BCA-X03"));
    domain::pb::Command c;
    *c.mutable_cycle() = cluster_ii_key();
    auto* r = c.mutable_correction();
    r->set_corrects_position(opening_position());
    r->set_corrects_event_type("CycleOpened");
    r->set_reason("Bổ sung tên đầy đủ của Cụm (" + id + ")");
    r->set_corrected_text("Cụm thi đua số II - Bộ Công an (các tỉnh Tây Bắc)");
    const auto reply = office.request(command_frame(id, c));
    EXPECT_TRUE(reply.has_accepted()) << reply.DebugString();
    return reply.accepted().first_position();
  }
  std::uint64_t opening_position() {
    const auto& office = tokens.at("ORGANIZER_OFFICE BCA-X03");
    // Once the read models have caught up after the start.
    const auto head = http_query_result(http_get(server->port(), "/v1/inbox", office)).head();
    const auto q = http_query_result(
        http_get(server->port(),
                 "/v1/cycles/BCA/dia-phuong/2023/II/full?at_least_position=" + std::to_string(head), office));
    EXPECT_GT(q.cycle_in_full().timeline_size(), 0);
    return q.cycle_in_full().timeline_size() ? q.cycle_in_full().timeline(0).position() : 0;
  }
  std::vector<api::pb::WebhookStatus> webhooks(const std::string& token, std::uint64_t at_least = 0) {
    const auto q = http_query_result(
        http_get(server->port(), "/v1/webhooks?at_least_position=" + std::to_string(at_least), token));
    return {q.webhooks().begin(), q.webhooks().end()};
  }
};

TEST_F(webhook_api, a_receiver_failing_the_first_five_sees_every_notice_once_in_order_signed) {
  receiver hook(5);
  const auto& sonla = tokens.at("MEMBER CA-SonLa");
  const auto added = add_webhook(sonla, "hook-1", hook.port());
  ASSERT_FALSE(added.webhook_id().empty());
  ASSERT_TRUE(added.webhook_secret().starts_with("whsec_")) << added.DebugString();
  std::vector<std::uint64_t> positions;
  for (const char* id : {"sua-1", "sua-2", "sua-3"}) positions.push_back(correction(id));

  ASSERT_TRUE(hook.wait_for_delivered(3)) << hook.requests().size() << " requests\n" << server->output();
  const auto all = hook.requests();
  ASSERT_GE(all.size(), 8u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(all[i].answered, 500u);
    EXPECT_EQ(all[i].delivery_id, added.webhook_id() + "-" + std::to_string(positions[0]))
        << "nothing after the first goes before the first is through";
  }
  const auto ok = hook.delivered();
  ASSERT_EQ(ok.size(), 3u) << "each exactly once";
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ok[i].delivery_id, added.webhook_id() + "-" + std::to_string(positions[i])) << "in order";
    EXPECT_EQ(ok[i].target, "/hooks/thidua?unit=sonla");
    EXPECT_EQ(ok[i].signature,
              "sha256=" + hmac_sha256_hex(added.webhook_secret(), ok[i].timestamp + "." + ok[i].body));
    api::pb::WebhookDelivery d;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(ok[i].body, &d).ok()) << ok[i].body;
    EXPECT_EQ(d.delivery_id(), ok[i].delivery_id);
    EXPECT_EQ(d.inbox(), "CA-SonLa");
    EXPECT_EQ(d.notice().kind(), "record_corrected");
    EXPECT_EQ(d.notice().position(), positions[i]);
  }
  EXPECT_NE(ok[0].body.find("\"text_vi\":\"Một bản ghi CycleOpened"), std::string::npos) << ok[0].body;

  // The docs' Python check accepts the delivery, and refuses it with another secret.
  temp_dir py;
  std::ofstream(py.sub("body")) << ok[0].body;
  const std::string script =
      "import hmac, hashlib, sys\n"
      "def verify(secret, timestamp, signature, body):\n"
      "    expected = 'sha256=' + hmac.new(secret.encode(), timestamp.encode() + b'.' + body,"
      " hashlib.sha256).hexdigest()\n"
      "    return hmac.compare_digest(expected, signature)\n"
      "body = open(sys.argv[4], 'rb').read()\n"
      "print(verify(sys.argv[1], sys.argv[2], sys.argv[3], body))\n";
  std::ofstream(py.sub("verify.py")) << script;
  const auto run = [&](const std::string& secret) {
    const auto r = run_cli("python3", py.sub("verify.py") + " " + secret + " " + ok[0].timestamp + " " +
                                          ok[0].signature + " " + py.sub("body"));
    return r.out;
  };
  EXPECT_EQ(run(added.webhook_secret()), "True\n");
  EXPECT_EQ(run("whsec_not-the-secret"), "False\n");

  const auto status = webhooks(sonla);
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].delivered_position(), positions.back());
  EXPECT_EQ(status[0].pending(), 0u);
  EXPECT_EQ(status[0].failures(), 0u);
  EXPECT_FALSE(status[0].suspended());
  EXPECT_TRUE(webhooks(tokens.at("CHAIR CA-LaiChau")).empty()) << "another unit sees none of Sơn La's";

  // What an operator watches: three delivered, five failed, nothing suspended or pending.
  const auto metrics = http_get(server->port(), "/metrics");
  const auto value = [&](const char* series) { return metric_value(metrics, series).value_or(-1); };
  EXPECT_EQ(value("thidua_webhook_deliveries_total"), 3) << metrics;
  EXPECT_EQ(value("thidua_webhook_failures_total"), 5);
  EXPECT_EQ(value("thidua_webhook_suspensions_total"), 0);
  EXPECT_EQ(value("thidua_webhooks"), 1);
  EXPECT_EQ(value("thidua_webhooks_suspended"), 0);
  EXPECT_EQ(value("thidua_webhook_pending_deliveries"), 0);
  EXPECT_GE(value("thidua_inbox_read_model_position"), static_cast<double>(positions.back()))
      << "the inbox read model applied the last correction";
}

TEST_F(webhook_api, a_webhook_that_keeps_failing_is_suspended_visibly_and_resumes_where_it_stopped) {
  receiver hook(0, 503);
  hook.set_failing(true);
  const auto& sonla = tokens.at("MEMBER CA-SonLa");
  const auto added = add_webhook(sonla, "hook-2", hook.port());
  const auto first = correction("sua-4");
  std::vector<api::pb::WebhookStatus> status;
  for (int i = 0; i < 200; ++i) {
    status = webhooks(sonla);
    if (!status.empty() && status[0].suspended()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(status.size(), 1u);
  EXPECT_TRUE(status[0].suspended());
  EXPECT_EQ(status[0].failures(), 8u);
  EXPECT_EQ(status[0].last_error(), "HTTP 503");
  EXPECT_EQ(status[0].pending(), 1u);
  const auto tried = hook.requests().size();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(hook.requests().size(), tried) << "a suspended webhook is not tried";
  const auto suspended_metrics = http_get(server->port(), "/metrics");
  EXPECT_EQ(metric_value(suspended_metrics, "thidua_webhooks_suspended"), 1) << suspended_metrics;
  EXPECT_EQ(metric_value(suspended_metrics, "thidua_webhook_suspensions_total"), 1);
  EXPECT_EQ(metric_value(suspended_metrics, "thidua_webhook_failures_total"), 8);
  EXPECT_EQ(metric_value(suspended_metrics, "thidua_webhook_pending_deliveries"), 1);

  hook.set_failing(false);
  post(sonla,
       R"({"command_id":"resume-1","webhook":{"resume":{"webhook_id":")" + added.webhook_id() + R"("}}})");
  ASSERT_TRUE(hook.wait_for_delivered(1));
  EXPECT_EQ(hook.delivered()[0].delivery_id, added.webhook_id() + "-" + std::to_string(first));
  EXPECT_EQ(metric_value(http_get(server->port(), "/metrics"), "thidua_webhooks_suspended"), 0) << "resumed";

  // What a webhook may be.
  const auto refused = [&](const std::string& token, const std::string& body) {
    return http_post(server->port(), "/v1/commands", R"({"command_id":"x","webhook":)" + body + "}", token);
  };
  const auto bad_url = refused(sonla, R"({"add":{"url":"ftp://127.0.0.1/x"}})");
  EXPECT_NE(bad_url.find(R"("field":"webhook.add.url")"), std::string::npos) << bad_url;
  const auto bad_kind =
      refused(sonla, R"({"add":{"url":"http://127.0.0.1/x","kinds":["pledge_signed","no_such"]}})");
  EXPECT_NE(bad_kind.find(R"("field":"webhook.add.kinds[1]")"), std::string::npos) << bad_kind;
  const auto no_reason = refused(sonla, R"({"remove":{"webhook_id":")" + added.webhook_id() + R"("}})");
  EXPECT_NE(no_reason.find(R"("field":"webhook.remove.reason")"), std::string::npos) << no_reason;
  const auto press =
      post(tokens.at("ORGANIZER_OFFICE BCA-X03"),
           R"({"command_id":"press","token":{"issue":{"unit_id":"BAO-CAND","person_name":"Phóng viên",)"
           R"("role":"OBSERVER","readable_stream_prefixes":["cycles/BCA/dia-phuong/2023"]}}})");
  const auto observer = refused(press.token_secret(), R"({"add":{"url":"http://127.0.0.1/x"}})");
  EXPECT_NE(observer.find("FORBIDDEN_ROLE"), std::string::npos) << observer;
  const auto removed = post(sonla, R"({"command_id":"remove-1","webhook":{"remove":{"webhook_id":")" +
                                       added.webhook_id() + R"(","reason":"chuyển sang hệ thống mới"}}})");
  EXPECT_TRUE(webhooks(sonla, removed.last_position()).empty());
}

TEST_F(webhook_api, deliveries_pending_when_the_server_is_killed_go_out_after_it_restarts) {
  receiver hook(0, 500);
  hook.set_failing(true);
  const auto& sonla = tokens.at("MEMBER CA-SonLa");
  const auto added = add_webhook(sonla, "hook-3", hook.port());
  const std::vector<std::uint64_t> positions{correction("sua-5"), correction("sua-6")};
  for (int i = 0; i < 200 && hook.requests().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_FALSE(hook.requests().empty());
  server.reset();  // SIGKILL
  hook.set_failing(false);
  server = std::make_unique<server_process>(dir.sub("data"), fast_retries);
  ASSERT_GT(server->port(), 0) << server->output();
  ASSERT_TRUE(hook.wait_for_delivered(2));
  const auto ok = hook.delivered();
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(ok[0].delivery_id, added.webhook_id() + "-" + std::to_string(positions[0]));
  EXPECT_EQ(ok[1].delivery_id, added.webhook_id() + "-" + std::to_string(positions[1]));
}

TEST_F(webhook_api, an_https_receiver_is_delivered_to_only_when_its_certificate_is_trusted) {
  const std::string cert = dir.sub("receiver-cert.pem"), key = dir.sub("receiver-key.pem");
  make_certificate(cert, key);
  receiver hook(0, 500, cert, key);
  // Never suspended here: the failures below may pile up before the restart.
  std::vector<std::string> args = {"--webhook-retry-base-ms", "20", "--webhook-retry-max-ms", "200",
                                   "--webhook-suspend-after", "0"};
  server.reset();
  server = std::make_unique<server_process>(dir.sub("data"), args);
  ASSERT_GT(server->port(), 0) << server->output();
  const auto& sonla = tokens.at("MEMBER CA-SonLa");
  const auto added = add_webhook(sonla, "hook-tls", hook.port(), "https");
  const auto position = correction("sua-tls");

  // The certificate is signed by no authority this machine trusts: nothing goes, and the status says why.
  std::vector<api::pb::WebhookStatus> status;
  for (int i = 0; i < 200 && (status.empty() || status[0].failures() == 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    status = webhooks(sonla, position);
  }
  ASSERT_EQ(status.size(), 1u);
  EXPECT_NE(status[0].last_error().find("certificate verify failed"), std::string::npos)
      << status[0].last_error();
  EXPECT_NE(status[0].last_error().find("--webhook-ca-file"), std::string::npos) << status[0].last_error();
  EXPECT_GE(hook.refused_handshakes(), 1);
  EXPECT_TRUE(hook.requests().empty()) << "nothing was sent to a receiver that was not trusted";

  // With the receiver's authority given, the notice goes, over TLS, signed.
  server.reset();  // SIGKILL
  args.insert(args.end(), {"--webhook-ca-file", cert});
  server = std::make_unique<server_process>(dir.sub("data"), args);
  ASSERT_GT(server->port(), 0) << server->output();
  ASSERT_TRUE(hook.wait_for_delivered(1)) << server->output();
  const auto ok = hook.delivered();
  EXPECT_EQ(ok[0].delivery_id, added.webhook_id() + "-" + std::to_string(position));
  EXPECT_EQ(ok[0].signature,
            "sha256=" + hmac_sha256_hex(added.webhook_secret(), ok[0].timestamp + "." + ok[0].body));
}

TEST(webhook_options, an_authorities_file_that_does_not_load_stops_the_start_before_anything_is_written) {
  temp_dir dir;
  std::ofstream(dir.sub("not-pem.txt")) << "không phải chứng chỉ\n";
  for (const std::string& file : {dir.sub("missing.pem"), dir.sub("not-pem.txt")}) {
    server_process server(dir.sub("data"), {"--webhook-ca-file", file});
    EXPECT_EQ(server.port(), 0);
    EXPECT_NE(server.wait_for_exit(), 0);
    EXPECT_NE(server.output().find(file), std::string::npos) << server.output();
    EXPECT_NE(server.output().find("(check --webhook-ca-file); nothing was written"), std::string::npos)
        << server.output();
    EXPECT_FALSE(std::filesystem::exists(dir.sub("data"))) << "the data dir was made";
  }
}

}  // namespace
}  // namespace thidua::testing
