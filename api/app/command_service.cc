#include "api/app/command_service.h"

#include <chrono>

#include "api/app/server_metrics.h"
#include "api/app/token_registry.h"
#include "api/wire/error_table.h"
#include "domain/cycle_decider.h"
#include "domain/registry_decider.h"
#include "engine/command_pipeline.h"

namespace thidua::api {
namespace {

domain::pb::Actor actor_of(const pb::TokenGrant& g) {
  domain::pb::Actor a;
  a.set_unit_id(g.unit_id());
  a.set_person_name(g.person_name());
  a.set_rank(g.rank());
  a.set_position(g.position());
  // Only grants whose role parses authenticate (role_of): value_or never hands out "unspecified" here.
  const domain::pb::Role role = role_of(g.role()).value_or(domain::pb::ROLE_UNSPECIFIED);
  a.set_role(role);
  a.set_organizer_id(g.organizer_id());
  return a;
}

// `command_id`: as the client sent it (the log knows it with the sender's scope in front, which is not the
// client's business).
pb::ServerFrame reply(const result<engine::command_result>& r, const std::string& command_id) {
  pb::ServerFrame f;
  if (r) {
    auto* a = f.mutable_accepted();
    a->set_stream_id(r.value().stream_id);
    a->set_first_position(r.value().first.value);
    a->set_last_position(r.value().last.value);
    a->set_stream_version(r.value().version.value);
    a->set_duplicate(r.value().duplicate);
    return f;
  }
  *f.mutable_error() = to_wire(r.error());
  if (r.error().code == storage::errc::command_id_reused)
    f.mutable_error()->set_message("command_id: " + command_id + " was already used for a different command");
  return f;
}

}  // namespace

std::optional<std::string> invalid_client_command_id(std::string_view id) {
  if (id.empty()) return "command_id: required (choose one per command; a retry reuses it)";
  if (id.size() > max_client_command_id_bytes)
    return "command_id: longer than " + std::to_string(max_client_command_id_bytes) + " bytes";
  for (char ch : id)
    if (ch <= 0x20 || ch >= 0x7f) return std::string("command_id: only printable ASCII without spaces");
  return std::nullopt;
}

std::string actor_scope(const pb::TokenGrant& grant) {
  // The person and unit the token speaks for: two tokens of the same person share it (a retry after a new
  // token still finds its command), two people never do.
  return "a:" + token_hash(grant.unit_id() + '\0' + grant.person_name()).substr(0, 16);
}

struct command_service::impl {
  impl(storage::event_log& log, server_metrics* m) : tokens(log), cycles(log), registry(log), metrics(m) {}
  engine::command_pipeline<token_decider> tokens;
  engine::command_pipeline<domain::cycle_decider> cycles;
  engine::command_pipeline<domain::registry_decider> registry;
  server_metrics* metrics;
};

command_service::command_service(storage::event_log& log, server_metrics* metrics)
    : impl_(std::make_unique<impl>(log, metrics)) {}
command_service::~command_service() = default;

std::shared_ptr<const pb::TokenGrant> command_service::authenticate(std::string_view secret) {
  if (secret.empty() || secret.size() > 256) return nullptr;
  // On every connection and HTTP request: look the token up in the cached state, never copy all tokens.
  auto grant =
      impl_->tokens.read("tokens", [&](const auto& entry) { return entry.state.authenticate(secret); });
  if (!grant) return nullptr;
  return std::move(grant).value();
}

void command_service::execute(const pb::TokenGrant& grant, pb::SubmitCommand c, std::int64_t now_ms,
                              std::function<void(pb::ServerFrame)> done) {
  if (!c.has_cycle() && !c.has_registry()) {
    pb::ServerFrame f;
    *f.mutable_error() = api_error(errc::missing_field, "command.target",
                                   "the command names neither a cycle nor a registry command",
                                   "Lệnh không nêu thao tác của chu kỳ hay của danh mục");
    return done(std::move(f));
  }
  if (const auto bad = invalid_client_command_id(c.command_id())) {
    pb::ServerFrame f;
    *f.mutable_error() =
        api_error(errc::invalid_field, "command.command_id", *bad,
                  "Mã lệnh (command_id) phải có 1–128 ký tự ASCII in được, không có dấu cách");
    return done(std::move(f));
  }
  std::optional<std::uint64_t> expected;
  if (c.has_expected_version()) expected = c.expected_version();
  auto callback = [done = std::move(done), metrics = impl_->metrics, command_id = c.command_id(),
                   start = std::chrono::steady_clock::now()](result<engine::command_result> r) {
    pb::ServerFrame f = reply(r, command_id);
    if (metrics) {
      using outcome = server_metrics::command_outcome;
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      metrics->command_done(r ? (r.value().duplicate ? outcome::duplicate : outcome::accepted)
                            : wire_error_of(r.error()).metric == "failed" ? outcome::failed
                                                                          : outcome::rejected,
                            ms);
    }
    done(std::move(f));
  };
  if (c.has_cycle()) {
    impl_->cycles.execute_async({c.command_id(),
                                 actor_of(grant),
                                 std::move(*c.mutable_cycle()),
                                 now_ms,
                                 expected,
                                 {},
                                 {},
                                 actor_scope(grant)},
                                std::move(callback));
  } else {
    impl_->registry.execute_async({c.command_id(),
                                   actor_of(grant),
                                   std::move(*c.mutable_registry()),
                                   now_ms,
                                   expected,
                                   {},
                                   {},
                                   actor_scope(grant)},
                                  std::move(callback));
  }
}

}  // namespace thidua::api
