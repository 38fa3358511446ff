#include "api/command_service.h"

#include <chrono>

#include "api/api_error.h"
#include "api/server_metrics.h"
#include "api/token_registry.h"
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
  domain::pb::Role role = domain::pb::ROLE_UNSPECIFIED;
  domain::pb::Role_Parse(g.role(), &role);
  a.set_role(role);
  a.set_organizer_id(g.organizer_id());
  return a;
}

pb::ServerFrame reply(const result<engine::command_result>& r) {
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
  const error& e = r.error();
  auto* x = f.mutable_error();
  x->set_code(!e.reason.empty()                                  ? e.reason
              : e.code == storage::errc::wrong_expected_version  ? "WRONG_EXPECTED_VERSION"
              : e.code.category() == storage::storage_category() ? "INVALID_COMMAND"
                                                                 : "INTERNAL");
  x->set_field(e.field);
  x->set_message(e.message);
  x->set_message_vi(e.message_vi.empty() ? e.message : e.message_vi);
  x->set_actual_version(e.actual_version);
  return f;
}

}  // namespace

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
    *f.mutable_error() = api_error("MISSING_FIELD", "command.target",
                                   "the command names neither a cycle nor a registry command",
                                   "Lệnh không nêu thao tác của chu kỳ hay của danh mục");
    return done(std::move(f));
  }
  std::optional<std::uint64_t> expected;
  if (c.has_expected_version()) expected = c.expected_version();
  auto callback = [done = std::move(done), metrics = impl_->metrics,
                   start = std::chrono::steady_clock::now()](result<engine::command_result> r) {
    pb::ServerFrame f = reply(r);
    if (metrics) {
      using outcome = server_metrics::command_outcome;
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      metrics->command_done(f.has_accepted()
                                ? (f.accepted().duplicate() ? outcome::duplicate : outcome::accepted)
                            : f.error().code() == "INTERNAL" ? outcome::failed
                                                             : outcome::rejected,
                            ms);
    }
    done(std::move(f));
  };
  if (c.has_cycle()) {
    impl_->cycles.execute_async(
        {c.command_id(), actor_of(grant), std::move(*c.mutable_cycle()), now_ms, expected, {}, {}},
        std::move(callback));
  } else {
    impl_->registry.execute_async(
        {c.command_id(), actor_of(grant), std::move(*c.mutable_registry()), now_ms, expected, {}, {}},
        std::move(callback));
  }
}

}  // namespace thidua::api
