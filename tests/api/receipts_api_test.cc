// Verify and signed receipts over the real server: the published key, a receipt over HTTP checked by
// another unit over WebSocket, and a server that will not start on a key others may read.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "api/app/proto/queries.pb.h"
#include "storage/event_log.h"
#include "tests/api/api_support.h"

namespace thidua::testing {
namespace {

class receipts_api : public demo_server_test {};

api::pb::ClientFrame query_frame(const api::pb::Query& q) {
  api::pb::ClientFrame f;
  *f.mutable_query() = q;
  return f;
}

TEST_F(receipts_api, a_unit_receipts_the_head_and_another_checks_it_with_the_published_key) {
  const auto key = http_query_result(http_get(server.port(), "/v1/receipt-key")).receipt_key();
  EXPECT_EQ(key.algorithm(), "Ed25519");
  EXPECT_TRUE(key.key_id().starts_with("ed25519:")) << key.key_id();
  const std::string pem = http_get(server.port(), "/v1/receipt-key.pem");
  EXPECT_NE(pem.find("Content-Type: application/x-pem-file"), std::string::npos) << pem;
  EXPECT_EQ(http_body(pem), key.public_key_pem());

  EXPECT_NE(http_get(server.port(), "/v1/receipt").find("HTTP/1.1 401"), std::string::npos)
      << "a receipt needs a token";
  const auto answer =
      http_query_result(http_get(server.port(), "/v1/receipt", tokens.at("MEMBER CA-BacNinh")));
  const api::pb::Receipt receipt = answer.receipt();
  EXPECT_EQ(receipt.position(), answer.head());
  EXPECT_GT(receipt.position(), 0u);
  EXPECT_EQ(receipt.key_id(), key.key_id());
  EXPECT_TRUE(receipt.issued_at().ends_with("+07:00")) << receipt.issued_at();

  ws_client other(server.port(), tokens.at("MEMBER CA-SonLa"));
  ASSERT_TRUE(other.open());
  api::pb::Query check;
  *check.mutable_check_receipt()->mutable_receipt() = receipt;
  auto checked = other.request(query_frame(check));
  ASSERT_TRUE(checked.has_result()) << checked.DebugString();
  EXPECT_TRUE(checked.result().receipt_check().ok()) << checked.result().receipt_check().problem();
  EXPECT_EQ(checked.result().receipt_check().chain().verified_to(), receipt.position());

  check.mutable_check_receipt()->mutable_receipt()->set_position(receipt.position() - 1);
  auto moved = other.request(query_frame(check));
  ASSERT_TRUE(moved.has_result()) << moved.DebugString();
  EXPECT_FALSE(moved.result().receipt_check().ok());
  EXPECT_NE(moved.result().receipt_check().problem_vi().find("Chữ ký không khớp"), std::string::npos);

  check.mutable_check_receipt()->mutable_receipt()->set_head_hash("nope");
  auto malformed = other.request(query_frame(check));
  ASSERT_TRUE(malformed.has_error()) << malformed.DebugString();
  EXPECT_EQ(malformed.error().code(), "INVALID_FIELD");
  EXPECT_EQ(malformed.error().field(), "receipt.head_hash");

  api::pb::Query verify;
  verify.mutable_verify_log();
  auto verified = other.request(query_frame(verify));
  ASSERT_TRUE(verified.has_result()) << verified.DebugString();
  EXPECT_TRUE(verified.result().verification().ok());
  EXPECT_GE(verified.result().verification().verified_to(), receipt.position());
  const auto http_verify = http_query_result(
      http_get(server.port(), "/v1/verify?to_position=" + std::to_string(receipt.position()),
               tokens.at("MEMBER CA-SonLa")));
  EXPECT_EQ(http_verify.verification().verified_hash(), receipt.head_hash());
  const auto bad = http_get(server.port(), "/v1/verify?from_position=x", tokens.at("MEMBER CA-SonLa"));
  EXPECT_NE(bad.find("HTTP/1.1 400"), std::string::npos) << bad;
  EXPECT_NE(bad.find("\"field\":\"from_position\""), std::string::npos) << bad;
}

TEST_F(receipts_api, the_key_survives_a_restart_and_is_private_to_the_server_user) {
  const auto before = http_query_result(http_get(server.port(), "/v1/receipt-key")).receipt_key();
  struct stat st {};
  ASSERT_EQ(::stat(dir.sub("data/receipt-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(server.terminate(), 0) << server.output();
  server_process again(dir.sub("data"));
  ASSERT_GT(again.port(), 0) << again.output();
  EXPECT_EQ(http_query_result(http_get(again.port(), "/v1/receipt-key")).receipt_key().key_id(),
            before.key_id());
}

TEST(receipts_start, a_key_others_may_read_stops_the_start_before_anything_is_written) {
  temp_dir dir;
  const std::string data = dir.sub("data");
  std::filesystem::create_directories(data);
  {
    server_process first(dir.sub("elsewhere"), {"--receipt-key", dir.sub("key.pem"), "--no-demo"});
    ASSERT_GT(first.port(), 0) << first.output();  // makes a key at key.pem
  }
  ASSERT_EQ(::chmod(dir.sub("key.pem").c_str(), 0644), 0);
  server_process refused(data, {"--receipt-key", dir.sub("key.pem")});
  EXPECT_EQ(refused.port(), 0);
  const int status = refused.wait_for_exit();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << refused.output();
  EXPECT_NE(refused.output().find("chmod 600"), std::string::npos) << refused.output();
  auto log = storage::event_log::open({.path = data, .create_if_missing = false});
  ASSERT_TRUE(log) << log.error().message;
  EXPECT_EQ(log.value()->head().value, 0u) << "the demo data was not loaded";
}

}  // namespace
}  // namespace thidua::testing
