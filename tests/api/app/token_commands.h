#pragma once
// The tokens the application tests use: a token command for Lai Châu's chair (Nguyễn Viết Giang), and the
// grant of the Ministry's emulation office.

#include <string>

#include "api/app/proto/tokens.pb.h"
#include "api/app/token_registry.h"

namespace thidua::testing {

inline api::pb::TokenCommand issue_token(const std::string& secret, const std::string& id = "tk-1",
                                         const std::string& role = "CHAIR") {
  api::pb::TokenCommand c;
  auto* g = c.mutable_issue();
  g->set_token_id(id);
  g->set_sha256(api::token_hash(secret));
  g->set_unit_id("CA-LaiChau");
  g->set_person_name("Nguyễn Viết Giang");
  g->set_role(role);
  return c;
}

inline api::pb::TokenGrant ministry_office_grant() {
  api::pb::TokenGrant g;
  g.set_unit_id("BCA-X03");
  g.set_person_name("Cán bộ thường trực");
  g.set_role("ORGANIZER_OFFICE");
  g.set_organizer_id("BCA");
  return g;
}

}  // namespace thidua::testing
