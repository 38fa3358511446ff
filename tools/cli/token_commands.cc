#include "tools/cli/token_commands.h"

#include <cstdio>
#include <cstdlib>
#include <map>

#include <google/protobuf/util/json_util.h>

#include "api/app/proto/commands.pb.h"
#include "api/app/proto/queries.pb.h"
#include "api/app/token_registry.h"
#include "api/app/vietnam_time.h"
#include "api/server/system_wall_clock.h"
#include "engine/command_pipeline.h"
#include "tools/cli/cli_support.h"

namespace thidua::cli {
namespace {

std::string operator_name() {
  const char* user = std::getenv("USER");
  return user && *user ? user : "operator";
}

// Runs a token command as the operator; prints a refusal (exit_usage) or a failure (exit_failed).
int run(const std::string& command, storage::event_log& log, std::string id, api::pb::TokenCommand c,
        bool& duplicate) {
  engine::command_pipeline<api::token_decider> tokens(log);
  // The operator's own scope: no token's commands share these ids (engine/command_id.h).
  auto r = tokens.execute({std::move(id),
                           api::token_operator{operator_name(), nullptr},
                           std::move(c),
                           api::system_wall_clock().now_ms(),
                           std::nullopt,
                           {},
                           {},
                           "cli"});
  if (r) {
    duplicate = r.value().duplicate;
    return exit_ok;
  }
  const auto* rejected = engine::rejection_of(r.error());
  complain(command, (rejected ? rejected->code + ": " : "") + r.error().message);
  return rejected ? exit_usage : exit_failed;
}

api::pb::TokenCommand issue_command(const token_options& o) {
  api::pb::TokenCommand c;
  auto* g = c.mutable_issue();
  g->set_unit_id(o.unit);
  g->set_person_name(o.person);
  g->set_rank(o.rank);
  g->set_position(o.position);
  g->set_role(o.role);
  g->set_organizer_id(o.organizer);
  if (!o.reads.empty()) g->add_readable_stream_prefixes(o.reads);
  return c;
}

void print_issued(const token_options& o, const std::string& id, const std::string& secret) {
  if (o.json) {
    google::protobuf::Struct out;
    (*out.mutable_fields())["id"] = json_text(id);
    (*out.mutable_fields())["token"] = json_text(secret);
    print_json(out);
  } else {
    std::printf("id: %s\ntoken: %s\n(the token is shown once and only its SHA-256 is stored: keep it now)\n",
                id.c_str(), secret.c_str());
  }
}

// A token command through the server: POST /v1/commands.
int submit(const std::string& command, const server_link& link, api::pb::TokenCommand c,
           api::pb::CommandAccepted& accepted) {
  api::pb::SubmitCommand sent;
  sent.set_command_id(new_command_id());
  *sent.mutable_token() = std::move(c);
  return call_server(command, link, "POST", "/v1/commands", json_of(sent), &accepted);
}

// The listing of the tokens stream, as GET /v1/tokens answers it, read from the log itself.
int listed_from_log(storage::event_log& log, std::vector<api::pb::TokenListing>& out) {
  std::map<std::string, api::pb::TokenListing> rows;  // by token id
  for (storage::stream_version from{1};;) {
    auto page = log.read_stream("tokens", from, 1000);
    if (!page) {
      complain("token list", page.error().message);
      return exit_failed;
    }
    for (const auto& ev : page.value()) {
      const auto& r = ev->record;
      auto e = api::token_decider::decode(r.event_type(), r.payload());
      if (!e) {
        complain("token list", "position " + std::to_string(r.position()) + " does not decode; run verify");
        return exit_failed;
      }
      if (e->has_token_issued()) {
        auto& x = rows[e->token_issued().token_id()];
        *x.mutable_grant() = e->token_issued();
        x.mutable_grant()->clear_sha256();
        x.set_status("active");
        x.set_issued_at(api::vietnam_time(r.recorded_at_ms()));
      } else if (e->has_token_revoked()) {
        auto& x = rows[e->token_revoked().token_id()];
        x.set_status("revoked");
        x.set_revoke_reason(e->token_revoked().reason());
        x.set_revoked_by(r.actor().person());
        x.set_revoked_at(api::vietnam_time(r.recorded_at_ms()));
      }
      from.value = r.stream_version() + 1;
    }
    if (page.value().size() < 1000) break;
  }
  for (auto& [id, x] : rows) out.push_back(std::move(x));
  return exit_ok;
}

}  // namespace

int token_create(const token_options& o) {
  std::optional<server_link> link;
  const auto how =
      o.new_log ? link_choice::data_dir : choose_link("token create", o.server, o.data_dir, {}, link);
  if (how == link_choice::failed) return exit_failed;
  if (how == link_choice::server) {
    api::pb::CommandAccepted accepted;
    if (int r = submit("token create", *link, issue_command(o), accepted); r != exit_ok) return r;
    print_issued(o, accepted.token_id(), accepted.token_secret());
    return exit_ok;
  }
  auto log = open_log("token create", o.data_dir, o.new_log ? open_mode::create : open_mode::write);
  if (!log) {
    if (!o.new_log)
      std::fprintf(stderr, "(to issue the first tokens of a data dir no server has run on, add --new-log)\n");
    return exit_failed;
  }
  const std::string secret = api::new_token_secret();
  const std::string hash = api::token_hash(secret);
  api::pb::TokenCommand c = issue_command(o);
  auto* g = c.mutable_issue();
  g->set_token_id("tk-" + hash.substr(0, 12));
  g->set_sha256(hash);
  const std::string id = g->token_id();
  bool duplicate = false;
  if (int r = run("token create", *log, "token-issue-" + id, std::move(c), duplicate); r != exit_ok) return r;
  print_issued(o, id, secret);
  return exit_ok;
}

int token_revoke(const token_options& o) {
  api::pb::TokenCommand c;
  c.mutable_revoke()->set_token_id(o.id);
  c.mutable_revoke()->set_reason(o.reason);
  std::optional<server_link> link;
  const auto how = choose_link("token revoke", o.server, o.data_dir, {}, link);
  if (how == link_choice::failed) return exit_failed;
  if (how == link_choice::server) {
    api::pb::CommandAccepted accepted;
    if (int r = submit("token revoke", *link, std::move(c), accepted); r != exit_ok) return r;
    std::printf("revoked %s (position %llu); its open connections close within a second\n", o.id.c_str(),
                static_cast<unsigned long long>(accepted.last_position()));
    return exit_ok;
  }
  auto log = open_log("token revoke", o.data_dir, open_mode::write);
  if (!log) return exit_failed;
  bool duplicate = false;
  if (int r = run("token revoke", *log, "token-revoke-" + o.id, std::move(c), duplicate); r != exit_ok)
    return r;
  std::printf(duplicate ? "%s was already revoked\n" : "revoked %s\n", o.id.c_str());
  return exit_ok;
}

int token_list(const token_options& o) {
  std::vector<api::pb::TokenListing> rows;
  std::optional<server_link> link;
  const auto how = choose_link("token list", o.server, o.data_dir, {.reads_only = true}, link);
  if (how == link_choice::failed) return exit_failed;
  if (how == link_choice::server) {
    api::pb::QueryResult answer;
    if (int r = call_server("token list", *link, "GET", "/v1/tokens", "", &answer); r != exit_ok) return r;
    rows.assign(answer.tokens().begin(), answer.tokens().end());
  } else {
    auto log = open_log("token list", o.data_dir, open_mode::read_only);
    if (!log) return exit_failed;
    if (int r = listed_from_log(*log, rows); r != exit_ok) return r;
  }
  if (o.json) {
    google::protobuf::Value all;
    auto* list = all.mutable_list_value();
    for (const auto& x : rows) {
      google::protobuf::Struct t;
      auto& f = *t.mutable_fields();
      f["id"] = json_text(x.grant().token_id());
      f["status"] = json_text(x.status());
      f["role"] = json_text(x.grant().role());
      f["unit_id"] = json_text(x.grant().unit_id());
      f["person_name"] = json_text(x.grant().person_name());
      f["organizer_id"] = json_text(x.grant().organizer_id());
      f["issued_by"] = json_text(x.grant().issued_by());
      f["issued_at"] = json_text(x.issued_at());
      if (x.status() == "revoked") {
        f["revoked_by"] = json_text(x.revoked_by());
        f["revoked_at"] = json_text(x.revoked_at());
        f["revoke_reason"] = json_text(x.revoke_reason());
      }
      *list->add_values()->mutable_struct_value() = std::move(t);
    }
    print_json(all);
    return exit_ok;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& x : rows)
    table.push_back({x.grant().token_id(), x.status(), x.grant().role(), x.grant().unit_id(),
                     x.grant().person_name(), x.grant().issued_by(), x.issued_at().substr(0, 10),
                     x.revoke_reason()});
  print_table({"ID", "STATUS", "ROLE", "UNIT", "PERSON", "ISSUED BY", "ISSUED", "REVOKED BECAUSE"}, table);
  return exit_ok;
}

}  // namespace thidua::cli
