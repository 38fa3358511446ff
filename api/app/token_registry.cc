#include "api/app/token_registry.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "api/app/hex.h"

namespace thidua::api {
namespace {

token_rejection refuse(std::string code, std::string field, std::string en, std::string vi) {
  return {std::move(code), std::move(field), std::move(en), std::move(vi)};
}

}  // namespace

std::string token_hash(std::string_view secret) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(secret.data(), secret.size(), out, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 unavailable");
  return hex(out, len);
}

std::string new_token_secret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for a token");
  return "thd_" + hex(bytes, sizeof bytes);
}

std::optional<domain::pb::Role> role_of(std::string_view name) {
  domain::pb::Role role = domain::pb::ROLE_UNSPECIFIED;
  if (!domain::pb::Role_Parse(std::string(name), &role) || role == domain::pb::ROLE_UNSPECIFIED)
    return std::nullopt;
  return role;
}

domain::pb::Actor actor_of(const pb::TokenGrant& g) {
  domain::pb::Actor a;
  a.set_unit_id(g.unit_id());
  a.set_person_name(g.person_name());
  a.set_rank(g.rank());
  a.set_position(g.position());
  // Only grants whose role parses authenticate (role_of): value_or never hands out "unspecified" here.
  a.set_role(role_of(g.role()).value_or(domain::pb::ROLE_UNSPECIFIED));
  a.set_organizer_id(g.organizer_id());
  return a;
}

domain::reader reader_of(const pb::TokenGrant& g) {
  domain::reader r;
  r.role = role_of(g.role()).value_or(domain::pb::ROLE_UNSPECIFIED);  // see actor_of
  r.unit_id = g.unit_id();
  r.organizer_id = g.organizer_id();
  r.stream_prefixes.assign(g.readable_stream_prefixes().begin(), g.readable_stream_prefixes().end());
  return r;
}

std::shared_ptr<const pb::TokenGrant> token_state::authenticate(std::string_view secret) const {
  auto id = id_by_hash.find(token_hash(secret));
  if (id == id_by_hash.end() || revoked.count(id->second)) return nullptr;
  const auto& grant = by_id.at(id->second);
  return role_of(grant->role()) ? grant : nullptr;
}

bool may_manage_token(const pb::TokenGrant& who, const pb::TokenGrant& target) {
  if (who.role() == "ORGANIZER_OFFICE")
    return target.role() != "ORGANIZER_OFFICE" || target.organizer_id() == who.organizer_id();
  if (who.role() == "CHAIR")
    return target.unit_id() == who.unit_id() &&
           (target.role() == "CHAIR" || target.role() == "VICE_CHAIR" || target.role() == "MEMBER");
  return false;
}

namespace {

token_rejection not_yours(const std::string& field) {
  return {"FORBIDDEN", field,
          "this token may not manage that token: an organizer's office manages all but other organizers' "
          "offices' tokens, a chair its own unit's officers' only",
          "Token này không được quản lý token đó: cơ quan tổ chức quản lý mọi token trừ token của cơ quan tổ "
          "chức khác, Cụm trưởng chỉ quản lý token của cán bộ đơn vị mình"};
}

}  // namespace

std::variant<std::vector<pb::TokenEvent>, token_rejection> token_decider::decide(const state& s,
                                                                                 const command& c,
                                                                                 const actor& a,
                                                                                 std::int64_t) {
  pb::TokenEvent e;
  if (c.has_issue()) {
    const auto& g = c.issue();
    if (g.token_id().empty() || s.by_id.count(g.token_id()))
      return refuse("TOKEN_ID_TAKEN", "issue.token_id", "token id '" + g.token_id() + "' is empty or taken",
                    "Mã token '" + g.token_id() + "' trống hoặc đã được dùng");
    if (!is_hex64(g.sha256()))
      return refuse("INVALID_SHA256", "issue.sha256",
                    "a token is stored as its SHA-256: 64 lowercase hex digits",
                    "Token được lưu bằng SHA-256: 64 chữ số hệ 16 viết thường");
    if (s.id_by_hash.count(g.sha256()))
      return refuse("TOKEN_EXISTS", "issue.sha256", "this secret is already issued", "Token này đã được cấp");
    if (!role_of(g.role()))
      return refuse("INVALID_ROLE", "issue.role",
                    "role must be one of ORGANIZER_OFFICE, CHAIR, VICE_CHAIR, MEMBER, OBSERVER",
                    "Vai trò phải là ORGANIZER_OFFICE, CHAIR, VICE_CHAIR, MEMBER hoặc OBSERVER");
    if (g.unit_id().empty() || g.person_name().empty())
      return refuse("MISSING_FIELD", g.unit_id().empty() ? "issue.unit_id" : "issue.person_name",
                    "a token is bound to a unit and a person", "Token phải gắn với một đơn vị và một người");
    if (g.role() == "ORGANIZER_OFFICE" && g.organizer_id().empty())
      return refuse("MISSING_FIELD", "issue.organizer_id", "an organizer's office token names its organizer",
                    "Token của cơ quan tổ chức phải nêu đơn vị tổ chức");
    if (a.by && !may_manage_token(*a.by, g)) return not_yours("issue");
    *e.mutable_token_issued() = g;
    e.mutable_token_issued()->set_issued_by(a.name);
  } else if (c.has_revoke()) {
    const auto& r = c.revoke();
    if (!s.by_id.count(r.token_id()))
      return refuse("TOKEN_NOT_FOUND", "revoke.token_id", "no token '" + r.token_id() + "'",
                    "Không có token '" + r.token_id() + "'");
    if (a.by && !may_manage_token(*a.by, *s.by_id.at(r.token_id()))) return not_yours("revoke.token_id");
    if (s.revoked.count(r.token_id()))
      return refuse("TOKEN_REVOKED", "revoke.token_id", "token '" + r.token_id() + "' is already revoked",
                    "Token '" + r.token_id() + "' đã bị thu hồi");
    // The audit must say why someone lost their access.
    if (r.reason().find_first_not_of(" \t\r\n") == std::string::npos)
      return refuse("MISSING_FIELD", "revoke.reason", "a revocation says why (e.g. \"lost laptop\")",
                    "Thu hồi token phải nêu lý do (ví dụ \"mất máy tính\")");
    *e.mutable_token_revoked() = r;
  } else {
    return refuse("MISSING_FIELD", "action", "the command names no action", "Lệnh không nêu thao tác nào");
  }
  return std::vector<pb::TokenEvent>{std::move(e)};
}

token_state token_decider::evolve(state s, const event& e) {
  if (e.has_token_issued()) {
    s.by_id[e.token_issued().token_id()] = std::make_shared<const pb::TokenGrant>(e.token_issued());
    s.id_by_hash[e.token_issued().sha256()] = e.token_issued().token_id();
  } else if (e.has_token_revoked()) {
    s.revoked[e.token_revoked().token_id()] = e.token_revoked().reason();
  }
  return s;
}

std::string token_decider::event_type(const event& e) {
  if (e.has_token_issued()) return "TokenIssued";
  if (e.has_token_revoked()) return "TokenRevoked";
  return "Unknown";
}

std::optional<pb::TokenEvent> token_decider::decode(std::string_view type, std::string_view bytes) {
  pb::TokenEvent e;
  if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || event_type(e) != type)
    return std::nullopt;
  return e;
}

}  // namespace thidua::api
