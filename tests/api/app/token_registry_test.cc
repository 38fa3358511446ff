// Bearer tokens: issued and revoked as events, looked up by SHA-256; the secret is never stored.

#include "api/app/token_registry.h"

#include <gtest/gtest.h>

#include "engine/command_pipeline.h"
#include "tests/api/app/token_commands.h"
#include "tests/support/test_support.h"

namespace thidua::api {
namespace {

static_assert(engine::decider<token_decider>);

using testing::issue_token;

std::string code_of(const token_state& s, const pb::TokenCommand& c) {
  auto r = token_decider::decide(s, c, {"ops", nullptr}, 0);
  auto* refused = std::get_if<token_rejection>(&r);
  if (refused) {
    EXPECT_FALSE(refused->message_vi.empty());
  }
  return refused ? refused->code : "OK";
}

TEST(tokens, rules_refuse_what_is_wrong) {
  token_state s;
  pb::TokenCommand bad_hash = issue_token("a");
  bad_hash.mutable_issue()->set_sha256("abc");
  EXPECT_EQ(code_of(s, bad_hash), "INVALID_SHA256");
  EXPECT_EQ(code_of(s, issue_token("a", "tk-1", "KING")), "INVALID_ROLE");
  pb::TokenCommand no_unit = issue_token("a");
  no_unit.mutable_issue()->clear_unit_id();
  EXPECT_EQ(code_of(s, no_unit), "MISSING_FIELD");
  EXPECT_EQ(code_of(s, issue_token("a", "tk-1", "ORGANIZER_OFFICE")), "MISSING_FIELD")
      << "an office names its organizer";
  EXPECT_EQ(code_of(s, issue_token("a", "")), "TOKEN_ID_TAKEN");
  auto r = token_decider::decide(s, issue_token("secret-1"), {"ops", nullptr}, 0);
  for (auto& e : std::get<std::vector<pb::TokenEvent>>(r)) s = token_decider::evolve(s, e);
  EXPECT_EQ(s.by_id.at("tk-1")->issued_by(), "ops");
  EXPECT_EQ(code_of(s, issue_token("secret-2", "tk-1")), "TOKEN_ID_TAKEN");
  EXPECT_EQ(code_of(s, issue_token("secret-1", "tk-2")), "TOKEN_EXISTS");
  pb::TokenCommand revoke;
  revoke.mutable_revoke()->set_token_id("tk-9");
  EXPECT_EQ(code_of(s, revoke), "TOKEN_NOT_FOUND");
  revoke.mutable_revoke()->set_token_id("tk-1");
  EXPECT_EQ(code_of(s, revoke), "MISSING_FIELD") << "a revocation says why";
  revoke.mutable_revoke()->set_reason("  ");
  EXPECT_EQ(code_of(s, revoke), "MISSING_FIELD") << "blanks are no reason";
  revoke.mutable_revoke()->set_reason("mất máy tính");
  EXPECT_EQ(code_of(s, revoke), "OK");
  r = token_decider::decide(s, revoke, {"ops", nullptr}, 0);
  for (auto& e : std::get<std::vector<pb::TokenEvent>>(r)) s = token_decider::evolve(s, e);
  EXPECT_EQ(code_of(s, revoke), "TOKEN_REVOKED");
}

TEST(tokens, roles_are_parsed_strictly_never_as_unspecified) {
  EXPECT_EQ(role_of("CHAIR"), domain::pb::CHAIR);
  EXPECT_EQ(role_of("OBSERVER"), domain::pb::OBSERVER);
  for (const char* bad : {"", "chair", "KING", "ROLE_UNSPECIFIED", "CHAIR ", "2"})
    EXPECT_FALSE(role_of(bad).has_value()) << "'" << bad << "'";
  token_state s;
  EXPECT_EQ(code_of(s, issue_token("a", "tk-1", "ROLE_UNSPECIFIED")), "INVALID_ROLE");
  // A grant stored with a role the server does not know (an older or altered log) does not authenticate.
  auto grant = std::make_shared<pb::TokenGrant>(issue_token("secret-x").issue());
  grant->set_role("GUEST");
  s.by_id["tk-x"] = grant;
  s.id_by_hash[token_hash("secret-x")] = "tk-x";
  EXPECT_EQ(s.authenticate("secret-x"), nullptr);
  grant->set_role("MEMBER");
  EXPECT_NE(s.authenticate("secret-x"), nullptr);
}

TEST(tokens, authenticate_accepts_only_an_issued_unrevoked_secret_and_the_log_never_holds_it) {
  testing::temp_dir dir;
  auto opened = storage::event_log::open(storage::log_options{.path = dir.sub("db")});
  ASSERT_TRUE(opened);
  auto log = std::move(opened).value();
  engine::command_pipeline<token_decider> tokens(*log);
  const std::string secret = new_token_secret();
  EXPECT_EQ(secret.size(), 4u + 64u);
  EXPECT_NE(secret, new_token_secret());
  ASSERT_OK(tokens.execute({"issue-1", {"ops", nullptr}, issue_token(secret), 0, std::nullopt, {}, {}, {}}));
  ASSIGN_OR_FAIL(state, tokens.load("tokens"));
  auto grant = state.state.authenticate(secret);
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->unit_id(), "CA-LaiChau");
  EXPECT_EQ(grant->role(), "CHAIR");
  EXPECT_FALSE(state.state.authenticate(secret + "x"));
  EXPECT_FALSE(state.state.authenticate(""));

  bool secret_seen = false;
  ASSERT_OK(log->scan({1}, {UINT64_MAX}, [&](const storage::pb::EventRecord& r, const storage::hash256&) {
    secret_seen |= r.SerializeAsString().find(secret) != std::string::npos;
    return true;
  }));
  EXPECT_FALSE(secret_seen) << "only the SHA-256 is stored";

  pb::TokenCommand revoke;
  revoke.mutable_revoke()->set_token_id("tk-1");
  revoke.mutable_revoke()->set_reason("lost laptop");
  ASSERT_OK(tokens.execute({"revoke-1", {"ops", nullptr}, revoke, 0, std::nullopt, {}, {}, {}}));
  ASSIGN_OR_FAIL(after, tokens.load("tokens"));
  EXPECT_FALSE(after.state.authenticate(secret)) << "a revoked token is refused";
}

}  // namespace
}  // namespace thidua::api
