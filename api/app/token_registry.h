#pragma once
// The token registry as a decider (engine/decider.h): issue and revoke bearer tokens, look a presented token
// up by its SHA-256. Lives in api/ because authentication is the API's concern; the engine runs it like any
// workflow.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/app/proto/tokens.pb.h"
#include "domain/decider_support.h"
#include "domain/proto/cycle.pb.h"
#include "domain/read_access.h"

namespace thidua::api {

// The role a grant names, parsed strictly: ORGANIZER_OFFICE, CHAIR, VICE_CHAIR, MEMBER or OBSERVER, spelled
// so; nullopt for anything else — never "unspecified". Issuing refuses other roles (INVALID_ROLE) and a
// stored grant with another role does not authenticate.
std::optional<domain::pb::Role> role_of(std::string_view name);

// A grant in the domain's terms: the actor its commands are decided for, the reader its reads are limited to.
domain::pb::Actor actor_of(const pb::TokenGrant& g);
domain::reader reader_of(const pb::TokenGrant& g);

struct token_rejection {
  std::string code, field, message_en, message_vi;
};

struct token_operator {
  std::string name;  // who: the OS user running the CLI, or the person of the token acting through the API
  // Through the API: the token that acts, whose unit and role the log's envelope records and whose reach
  // may_manage_token limits. Null for the CLI's operator, who may do anything.
  std::shared_ptr<const pb::TokenGrant> by;
};

// Whether the holder of `who` may issue, list or revoke `target`: the organizer's office every token but
// another organizer's office's; a chair its own unit's officers' (CHAIR, VICE_CHAIR, MEMBER); nobody else.
bool may_manage_token(const pb::TokenGrant& who, const pb::TokenGrant& target);

struct token_state {
  // Grants are immutable once issued: connections of one token share its grant instead of copying it.
  std::map<std::string, std::shared_ptr<const pb::TokenGrant>> by_id;
  std::map<std::string, std::string> id_by_hash;
  std::map<std::string, std::string> revoked;  // token id → reason

  // The grant a presented secret stands for, if it is issued and not revoked.
  // The grant of a live token, null for an unknown or revoked one.
  std::shared_ptr<const pb::TokenGrant> authenticate(std::string_view secret) const;
};

// The contract's types, initial, encode and encode_command: domain/decider_support.h.
struct token_decider : domain::protobuf_decider<token_state, pb::TokenCommand, pb::TokenEvent, token_operator,
                                                token_rejection> {
  static std::string stream_of(const command&) { return "tokens"; }
  static decision decide(const state& s, const command& c, const actor& a, std::int64_t now_ms);
  static state evolve(state s, const event& e);
  static std::string event_type(const event& e);
  static std::optional<event> decode(std::string_view type, std::string_view bytes);
  static std::string actor_unit(const actor& a) { return a.by ? a.by->unit_id() : "operator"; }
  static std::string actor_person(const actor& a) { return a.name; }
  static std::string actor_role(const actor& a) { return a.by ? a.by->role() : "OPERATOR"; }
};

// SHA-256 of a secret, as 64 lowercase hex digits.
std::string token_hash(std::string_view secret);
// A new secret: 32 random bytes from the OS, hex-encoded with a "thd_" prefix.
std::string new_token_secret();

}  // namespace thidua::api
