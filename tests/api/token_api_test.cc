// Tokens managed while the server runs, over the WebSocket (issue, revoke) and HTTP (GET /v1/tokens): the
// organizer's office manages every token but other offices', a chair its own unit's officers' only; a new
// token works at once; a revoked one is refused at once and its open connection closed (1008) within about a
// second; every issue and revocation names who did it.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "api/app/proto/tokens.pb.h"
#include "tests/api/api_support.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

class token_api : public demo_server_test {};

api::pb::TokenCommand issue(const std::string& unit, const std::string& person, const std::string& role) {
  api::pb::TokenCommand c;
  c.mutable_issue()->set_unit_id(unit);
  c.mutable_issue()->set_person_name(person);
  c.mutable_issue()->set_role(role);
  return c;
}

api::pb::TokenCommand revoke(const std::string& id, const std::string& reason) {
  api::pb::TokenCommand c;
  c.mutable_revoke()->set_token_id(id);
  c.mutable_revoke()->set_reason(reason);
  return c;
}

TEST_F(token_api, the_office_and_a_chair_manage_tokens_within_their_reach_and_a_revoked_one_is_shut_out) {
  ws_client office(server.port(), tokens.at("ORGANIZER_OFFICE BCA-X03"));
  ASSERT_TRUE(office.open());

  // The office issues a chair's token: the reply carries it, once.
  const auto issued =
      office.request(command_frame("tk-chair", issue("CA-LaiChau", "Nguyễn Viết Giang", "CHAIR")));
  ASSERT_TRUE(issued.has_accepted()) << issued.DebugString();
  const std::string chair_id = issued.accepted().token_id();
  const std::string chair_secret = issued.accepted().token_secret();
  EXPECT_EQ(chair_id.rfind("tk-", 0), 0u);
  EXPECT_GE(chair_secret.size(), 32u);
  const auto again =
      office.request(command_frame("tk-chair", issue("CA-LaiChau", "Nguyễn Viết Giang", "CHAIR")));
  ASSERT_TRUE(again.has_accepted());
  EXPECT_TRUE(again.accepted().duplicate());
  EXPECT_TRUE(again.accepted().token_secret().empty()) << "a retry never shows a secret again";
  EXPECT_EQ(again.accepted().token_id(), chair_id) << "but says which token the first one issued";

  // It works at once; the chair issues for its own unit's people only.
  ws_client chair(server.port(), chair_secret);
  ASSERT_TRUE(chair.open());
  ASSERT_TRUE(chair.request(ping_frame()).has_pong());
  const auto member = chair.request(command_frame("tk-m", issue("CA-LaiChau", "Lò Văn Páo", "MEMBER")));
  ASSERT_TRUE(member.has_accepted()) << member.DebugString();
  const std::string member_id = member.accepted().token_id();
  const auto other_unit = chair.request(command_frame("tk-x", issue("CA-SonLa", "Cầm Văn A", "MEMBER")));
  ASSERT_TRUE(other_unit.has_error());
  EXPECT_EQ(other_unit.error().code(), "FORBIDDEN") << other_unit.DebugString();
  auto office_grant = issue("CA-LaiChau", "A", "ORGANIZER_OFFICE");
  office_grant.mutable_issue()->set_organizer_id("BCA");
  const auto office_token = chair.request(command_frame("tk-o", office_grant));
  ASSERT_TRUE(office_token.has_error());
  EXPECT_EQ(office_token.error().code(), "FORBIDDEN");

  // A member manages nothing.
  ws_client holder(server.port(), member.accepted().token_secret());
  ASSERT_TRUE(holder.open());
  const auto by_member = holder.request(command_frame("tk-y", issue("CA-LaiChau", "B", "MEMBER")));
  ASSERT_TRUE(by_member.has_error());
  EXPECT_EQ(by_member.error().code(), "FORBIDDEN");
  EXPECT_NE(http_get(server.port(), "/v1/tokens", member.accepted().token_secret()).find("\"FORBIDDEN\""),
            std::string::npos);

  // Lists: the office sees both, the chair its unit's only; never a hash or a secret.
  const std::string by_office = http_get(server.port(), "/v1/tokens", tokens.at("ORGANIZER_OFFICE BCA-X03"));
  EXPECT_NE(by_office.find(chair_id), std::string::npos) << by_office;
  EXPECT_NE(by_office.find(member_id), std::string::npos);
  EXPECT_NE(by_office.find("(BCA-X03)"), std::string::npos) << "issued_by names the office's person and unit";
  EXPECT_EQ(by_office.find("sha256"), std::string::npos) << by_office;
  EXPECT_EQ(by_office.find(chair_secret), std::string::npos);
  const std::string by_chair = http_get(server.port(), "/v1/tokens", chair_secret);
  EXPECT_NE(by_chair.find(member_id), std::string::npos) << by_chair;
  EXPECT_EQ(by_chair.find("CA-BacGiang"), std::string::npos) << "another unit's tokens: " << by_chair;

  // A revocation says why; the member's open connection is closed within about a second.
  const auto no_reason = chair.request(command_frame("rv-0", revoke(member_id, " ")));
  ASSERT_TRUE(no_reason.has_error());
  EXPECT_EQ(no_reason.error().field(), "revoke.reason");
  const auto revoked = chair.request(command_frame("rv-1", revoke(member_id, "chuyển công tác")));
  ASSERT_TRUE(revoked.has_accepted()) << revoked.DebugString();
  const auto started = std::chrono::steady_clock::now();
  std::optional<api::pb::ServerFrame> last;
  while (auto f = holder.receive(std::chrono::seconds(3))) last = f;
  EXPECT_EQ(holder.close_code(), 1008);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2500));
  ASSERT_TRUE(last && last->has_error());
  EXPECT_EQ(last->error().code(), "UNAUTHENTICATED");
  EXPECT_NE(http_get(server.port(), "/v1/clusters", member.accepted().token_secret()).find("UNAUTHENTICATED"),
            std::string::npos)
      << "refused at once on a new request";
  EXPECT_TRUE(chair.request(ping_frame()).has_pong()) << "other tokens' connections stay";
  const std::string listed = http_get(server.port(), "/v1/tokens", chair_secret);
  EXPECT_NE(listed.find("\"revoke_reason\":\"chuyển công tác\""), std::string::npos) << listed;
  EXPECT_NE(listed.find("\"revoked_by\":\"Nguyễn Viết Giang (CA-LaiChau)\""), std::string::npos) << listed;
}

TEST_F(token_api, tokens_are_issued_and_revoked_over_http_and_a_bad_post_is_refused_by_name) {
  const std::string office = tokens.at("ORGANIZER_OFFICE BCA-X03");
  const auto issued = http_post(
      server.port(), "/v1/commands",
      R"({"command_id":"h-1","token":{"issue":{"unit_id":"CA-LaiChau","person_name":"Lò Văn Páo","role":"MEMBER"}}})",
      office);
  ASSERT_EQ(http_status(issued), 200u) << issued;
  EXPECT_NE(issued.find("\"token_secret\":\"thd_"), std::string::npos) << issued;
  const std::string body = http_body(issued);
  const auto id_at = body.find("\"token_id\":\"") + 12;
  const std::string id = body.substr(id_at, body.find('"', id_at) - id_at);
  const auto secret_at = body.find("\"token_secret\":\"") + 16;
  const std::string secret = body.substr(secret_at, body.find('"', secret_at) - secret_at);
  EXPECT_EQ(http_status(http_get(server.port(), "/v1/units", secret)), 200u);

  const auto revoked = http_post(
      server.port(), "/v1/commands",
      R"({"command_id":"h-2","token":{"revoke":{"token_id":")" + id + R"(","reason":"nghỉ hưu"}}})", office);
  ASSERT_EQ(http_status(revoked), 200u) << revoked;
  EXPECT_EQ(http_status(http_get(server.port(), "/v1/units", secret)), 401u);

  // Refused, each naming what is wrong.
  const auto unknown_field =
      http_post(server.port(), "/v1/commands", R"({"command_id":"h-3","token":{"isue":{}}})", office);
  EXPECT_EQ(http_status(unknown_field), 400u) << unknown_field;
  EXPECT_NE(unknown_field.find("\"field\":\"token.isue\""), std::string::npos) << unknown_field;
  const auto not_json = http_post(server.port(), "/v1/commands", "command please", office);
  EXPECT_EQ(http_status(not_json), 400u) << not_json;
  EXPECT_NE(not_json.find("\"field\":\"body\""), std::string::npos) << not_json;
  const auto smuggled = http_post(server.port(), "/v1/commands", R"({}},"query":{"list_tokens":{})", office);
  EXPECT_EQ(http_status(smuggled), 400u) << smuggled;
  EXPECT_EQ(http_status(http_post(server.port(), "/v1/commands", R"({"command_id":"h-4"})")), 401u);
  const auto by_member =
      http_post(server.port(), "/v1/commands",
                R"({"command_id":"h-5","token":{"revoke":{"token_id":"tk-demo-BCA-X03","reason":"x"}}})",
                tokens.at("MEMBER CA-BacGiang"));
  EXPECT_EQ(http_status(by_member), 403u) << by_member;
  EXPECT_EQ(http_status(http_get(server.port(), "/v1/commands", office)), 405u);
  EXPECT_EQ(http_status(http_post(server.port(), "/v1/units", "{}", office)), 405u);
  const auto bad_name = http_post(server.port(), "/v1/backups", R"({"name":"../escape"})", office);
  EXPECT_EQ(http_status(bad_name), 400u) << bad_name;
  EXPECT_NE(bad_name.find("\"field\":\"create_backup.name\""), std::string::npos) << bad_name;
  EXPECT_EQ(http_status(http_post(server.port(), "/v1/backups?name=x", "", office)), 400u);
  for (const char* name : {R"({"name":".."})", R"({"name":".hidden"})"})
    EXPECT_EQ(http_status(http_post(server.port(), "/v1/backups", name, office)), 400u) << name;
}

// Sent twice at once (a client that retries before the first reply): one issue, and the other answer is its
// repeat — the same id, no secret — never COMMAND_ID_REUSED.
TEST_F(token_api, the_same_issue_sent_twice_at_once_issues_one_token_and_answers_the_other_as_its_repeat) {
  ws_client office(server.port(), tokens.at("ORGANIZER_OFFICE BCA-X03"));
  ASSERT_TRUE(office.open());
  for (int round = 0; round < 5; ++round) {
    auto frame = command_frame("twice-" + std::to_string(round), issue("CA-LaiChau", "Lò Văn Páo", "MEMBER"));
    frame.set_request_id("a");
    office.send(frame);
    frame.set_request_id("b");
    office.send(frame);
    std::vector<api::pb::ServerFrame> replies;
    while (replies.size() < 2) {
      auto f = office.receive();
      ASSERT_TRUE(f);
      if (f->has_accepted() || f->has_error()) replies.push_back(*f);
    }
    ASSERT_TRUE(replies[0].has_accepted()) << replies[0].DebugString();
    ASSERT_TRUE(replies[1].has_accepted()) << replies[1].DebugString();
    const auto& first = replies[0].accepted().duplicate() ? replies[1].accepted() : replies[0].accepted();
    const auto& repeat = replies[0].accepted().duplicate() ? replies[0].accepted() : replies[1].accepted();
    EXPECT_FALSE(first.duplicate());
    EXPECT_TRUE(repeat.duplicate());
    EXPECT_FALSE(first.token_secret().empty());
    EXPECT_TRUE(repeat.token_secret().empty());
    EXPECT_EQ(repeat.token_id(), first.token_id());
  }
}

}  // namespace
}  // namespace thidua::testing
