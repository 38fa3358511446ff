#include "api/app/command_service.h"

#include <atomic>

#include "api/app/cycle_gate.h"
#include "api/app/errc.h"
#include "api/app/token_registry.h"
#include "domain/cycle_decider.h"
#include "domain/ids.h"
#include "domain/registry_decider.h"
#include "engine/command_id.h"
#include "engine/command_pipeline.h"

namespace thidua::api {
namespace {

// `command_id`: as the client sent it (the log knows it with the sender's scope in front, which is not the
// client's business). `shared_stream`: other subjects (clusters) share the command's stream, so its version
// is not the client's business either.
result<pb::CommandAccepted> accepted(result<engine::command_result> r, const std::string& command_id,
                                     bool shared_stream) {
  if (!r) {
    error e = std::move(r).error();
    if (e.code == storage::errc::command_id_reused)
      e.message = "command_id: " + command_id + " was already used for a different command";
    return e;
  }
  pb::CommandAccepted a;
  a.set_stream_id(r.value().stream_id);
  a.set_first_position(r.value().first.value);
  a.set_last_position(r.value().last.value);
  if (!shared_stream) a.set_stream_version(r.value().version.value);
  a.set_version(r.value().subject_version);
  a.set_duplicate(r.value().duplicate);
  return a;
}

}  // namespace

std::string actor_scope(const pb::TokenGrant& grant) {
  // The person and unit the token speaks for: two tokens of the same person share it (a retry after a new
  // token still finds its command), two people never do.
  return "a:" + token_hash(grant.unit_id() + '\0' + grant.person_name()).substr(0, 16);
}

struct command_service::impl {
  impl(storage::event_log& l, const engine::wall_clock& c)
      : log(l), clock(c), tokens(l), cycles(l), registry(l) {}
  const storage::event_log& log;
  const engine::wall_clock& clock;
  engine::command_pipeline<token_decider> tokens;
  engine::command_pipeline<domain::cycle_decider> cycles;
  engine::command_pipeline<domain::registry_decider> registry;
  std::atomic<std::uint64_t> revocations{0};
};

command_service::command_service(storage::event_log& log, const engine::wall_clock& clock)
    : impl_(std::make_unique<impl>(log, clock)) {}
command_service::~command_service() = default;

std::shared_ptr<const pb::TokenGrant> command_service::authenticate(std::string_view secret) {
  if (secret.empty() || secret.size() > 256) return nullptr;
  // On every connection and HTTP request: look the token up in the cached state, never copy all tokens.
  auto grant =
      impl_->tokens.read("tokens", [&](const auto& entry) { return entry.state.authenticate(secret); });
  if (!grant) return nullptr;
  return std::move(grant).value();
}

bool command_service::token_live(const std::string& token_id) const {
  auto live = impl_->tokens.read("tokens", [&](const auto& entry) {
    return entry.state.by_id.count(token_id) > 0 && entry.state.revoked.count(token_id) == 0;
  });
  return live && live.value();
}

std::uint64_t command_service::revocations() const {
  return impl_->revocations.load(std::memory_order_acquire);
}

void command_service::execute_token(const pb::TokenGrant& grant, pb::SubmitCommand c, command_done done) {
  const std::int64_t now_ms = impl_->clock.now_ms();
  std::optional<std::uint64_t> expected;
  if (c.has_expected_version()) expected = c.expected_version();
  // A token command: the token's id and hash are the server's; the secret goes back in the reply only.
  pb::TokenCommand token = std::move(*c.mutable_token());
  std::string secret;
  if (token.has_issue()) {
    // A retry: the first issue's secret is gone (only its hash was kept), and a new one would make this a
    // different command. Answered as the repeat it is, with the id it issued and no secret.
    auto first = impl_->log.find_command(engine::scoped_command_id(actor_scope(grant), c.command_id()));
    if (!first) return done(std::move(first).error());
    if (first.value()) {
      const auto& a = *first.value();
      pb::CommandAccepted repeat;
      repeat.set_stream_id(a.stream_id);
      repeat.set_first_position(a.first.value);
      repeat.set_last_position(a.last.value);
      repeat.set_stream_version(a.version.value);
      repeat.set_duplicate(true);
      auto stored = impl_->log.read_all(a.first, 1);
      pb::TokenEvent e;
      if (stored && !stored.value().empty() && e.ParseFromString(stored.value()[0]->record.payload()))
        repeat.set_token_id(e.token_issued().token_id());
      return done(std::move(repeat));
    }
    secret = new_token_secret();
    const std::string hash = token_hash(secret);
    token.mutable_issue()->set_sha256(hash);
    token.mutable_issue()->set_token_id("tk-" + hash.substr(0, 12));
  }
  const std::string token_id = token.has_issue() ? token.issue().token_id() : token.revoke().token_id();
  const bool revoking = token.has_revoke();
  token_operator who{grant.person_name() + " (" + grant.unit_id() + ")",
                     std::make_shared<const pb::TokenGrant>(grant)};
  impl_->tokens.execute_async(
      {c.command_id(), std::move(who), std::move(token), now_ms, expected, {}, {}, actor_scope(grant)},
      [done = std::move(done), command_id = c.command_id(), secret, token_id, revoking,
       &revocations = impl_->revocations](result<engine::command_result> r) {
        auto reply = accepted(std::move(r), command_id, false);
        if (reply && !reply.value().duplicate()) {
          if (!secret.empty()) {
            reply.value().set_token_id(token_id);
            reply.value().set_token_secret(secret);
          }
          // Sessions of a revoked token look whether theirs is the one (within a second) and close.
          if (revoking) revocations.fetch_add(1, std::memory_order_release);
        }
        done(std::move(reply));
      });
}

void command_service::execute(const pb::TokenGrant& grant, pb::SubmitCommand c, command_done done) {
  if (!c.has_cycle() && !c.has_registry() && !c.has_token())
    return done(app_error(errc::missing_field, "command.target",
                          "the command names neither a cycle, a registry nor a token command",
                          "Lệnh không nêu thao tác của chu kỳ, của danh mục hay của token"));
  if (!domain::valid_command_id(c.command_id()))
    return done(app_error(errc::invalid_field, "command.command_id",
                          c.command_id().empty()
                              ? "command_id: required (choose one per command; a retry reuses it)"
                              : "command_id: 1–" + std::to_string(domain::max_command_id_bytes) +
                                    " bytes of printable ASCII without spaces",
                          "Mã lệnh (command_id) phải có 1–128 ký tự ASCII in được, không có dấu cách"));
  if (c.has_token()) return execute_token(grant, std::move(c), std::move(done));
  if (c.has_cycle()) {
    if (auto refused = admit_cycle_command(impl_->log, impl_->registry, impl_->cycles, *c.mutable_cycle(),
                                           actor_of(grant)))
      return done(std::move(*refused));
  }
  const std::int64_t now_ms = impl_->clock.now_ms();
  std::optional<std::uint64_t> expected;
  if (c.has_expected_version()) expected = c.expected_version();
  auto callback = [done = std::move(done), command_id = c.command_id(),
                   shared_stream = c.has_cycle()](result<engine::command_result> r) {
    done(accepted(std::move(r), command_id, shared_stream));
  };
  auto run = [&](auto& pipeline, auto command) {
    pipeline.execute_async(
        {c.command_id(), actor_of(grant), std::move(command), now_ms, expected, {}, {}, actor_scope(grant)},
        std::move(callback));
  };
  if (c.has_cycle()) return run(impl_->cycles, std::move(*c.mutable_cycle()));
  run(impl_->registry, std::move(*c.mutable_registry()));
}

}  // namespace thidua::api
