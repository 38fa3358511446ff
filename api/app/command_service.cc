#include "api/app/command_service.h"

#include <map>
#include <mutex>
#include <vector>

#include <atomic>

#include "api/app/cycle_gate.h"
#include "api/app/errc.h"
#include "api/app/inbox_decider.h"
#include "api/app/inbox_projection.h"
#include "api/app/token_registry.h"
#include "api/app/webhook_decider.h"
#include "domain/cycle_decider.h"
#include "domain/ids.h"
#include "domain/registry_decider.h"
#include "engine/command_id.h"
#include "engine/command_pipeline.h"
#include "engine/projection_runner.h"
#include "engine/timer_service.h"

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
      : log(l),
        clock(c),
        tokens(l),
        cycles(l),
        registry(l),
        inboxes(l),
        webhooks(l),
        deadlines(cycles, l, c) {}
  const storage::event_log& log;
  const engine::wall_clock& clock;
  engine::command_pipeline<token_decider> tokens;
  engine::command_pipeline<domain::cycle_decider> cycles;
  engine::command_pipeline<domain::registry_decider> registry;
  engine::command_pipeline<inbox_decider> inboxes;
  engine::command_pipeline<webhook_decider> webhooks;
  // After the pipeline it fires into, so it stops first.
  engine::timer_service<domain::cycle_decider> deadlines;
  std::atomic<std::uint64_t> revocations{0};
  // Token issues on their way to the log, by scoped command id: the same issue sent again before the first is
  // recorded waits for it and is answered as its repeat (each issue makes a secret of its own, so to the log
  // the second would be a different command under the same id).
  struct issue_in_flight {
    pb::TokenGrant asked;
    std::vector<command_done> repeats;
  };
  std::mutex issuing_mutex;
  std::map<std::string, issue_in_flight> issuing;
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

result<std::size_t> command_service::fire_due_timers() {
  return impl_->deadlines.fire_due();
}

void command_service::start_timers() {
  impl_->deadlines.start();
}

void command_service::stop_timers() {
  impl_->deadlines.stop();
}

engine::timer_stats command_service::timer_stats() const {
  return impl_->deadlines.stats();
}

std::uint64_t command_service::revocations() const {
  return impl_->revocations.load(std::memory_order_acquire);
}

namespace {

struct issued_before {
  pb::CommandAccepted reply;  // a duplicate's: the id the first issued, never its secret
  pb::TokenGrant grant;
};

// The issue recorded under `scoped_id`, if any.
result<std::optional<issued_before>> earlier_issue(const storage::event_log& log,
                                                   const std::string& scoped_id) {
  auto first = log.find_command(scoped_id);
  if (!first) return std::move(first).error();
  if (!first.value()) return std::optional<issued_before>();
  const auto& a = *first.value();
  issued_before b;
  b.reply.set_stream_id(a.stream_id);
  b.reply.set_first_position(a.first.value);
  b.reply.set_last_position(a.last.value);
  b.reply.set_stream_version(a.version.value);
  b.reply.set_duplicate(true);
  auto stored = log.read_all(a.first, 1);
  pb::TokenEvent e;
  if (stored && !stored.value().empty() && e.ParseFromString(stored.value()[0]->record.payload())) {
    b.grant = e.token_issued();
    b.reply.set_token_id(b.grant.token_id());
  }
  return std::optional<issued_before>(std::move(b));
}

// The same grant asked for, whatever the server made of it (its id, its hash, who issued it).
bool same_grant(pb::TokenGrant recorded, pb::TokenGrant asked) {
  for (auto* g : {&recorded, &asked}) {
    g->clear_token_id();
    g->clear_sha256();
    g->clear_issued_by();
  }
  return recorded.SerializeAsString() == asked.SerializeAsString();
}

}  // namespace

void command_service::execute_token(const pb::TokenGrant& grant, pb::SubmitCommand c, command_done done) {
  const std::int64_t now_ms = impl_->clock.now_ms();
  std::optional<std::uint64_t> expected;
  if (c.has_expected_version()) expected = c.expected_version();
  // A token command: the token's id and hash are the server's; the secret goes back in the reply only.
  pb::TokenCommand token = std::move(*c.mutable_token());
  std::string secret;
  const std::string scoped_id = engine::scoped_command_id(actor_scope(grant), c.command_id());
  bool owns_issue = false;  // this call registered the issue in flight, and ends it
  if (token.has_issue()) {
    // A retry: the first issue's secret is gone (only its hash was kept), and a new one would make this a
    // different command. Answered as the repeat it is, with the id it issued and no secret.
    // Under the lock, so that an issue is either on its way (and this one waits for it), or recorded (and
    // found), or this one goes.
    std::lock_guard lock(impl_->issuing_mutex);
    if (auto pending = impl_->issuing.find(scoped_id); pending != impl_->issuing.end()) {
      if (same_grant(pending->second.asked, token.issue())) {
        pending->second.repeats.push_back(std::move(done));
        return;
      }
      // Another grant under the same id: the log refuses it (COMMAND_ID_REUSED).
    } else {
      auto first = earlier_issue(impl_->log, scoped_id);
      if (!first) return done(std::move(first).error());
      if (first.value()) return done(std::move(first.value()->reply));
      impl_->issuing[scoped_id].asked = token.issue();
      owns_issue = true;
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
      [done = std::move(done), command_id = c.command_id(), secret, token_id, revoking, scoped_id, owns_issue,
       state = impl_.get()](result<engine::command_result> r) {
        std::vector<command_done> repeats;
        if (owns_issue) {
          std::lock_guard lock(state->issuing_mutex);
          if (auto it = state->issuing.find(scoped_id); it != state->issuing.end()) {
            repeats = std::move(it->second.repeats);
            state->issuing.erase(it);
          }
        }
        auto& revocations = state->revocations;
        auto reply = accepted(std::move(r), command_id, false);
        for (auto& repeat : repeats) {
          if (!reply) {
            repeat(reply.error());
            continue;
          }
          pb::CommandAccepted again = reply.value();
          again.set_duplicate(true);
          again.clear_token_secret();
          again.set_token_id(reply.value().duplicate() ? reply.value().token_id() : token_id);
          repeat(std::move(again));
        }
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

namespace {

// The notices a marking names are in the inbox, and up_to_position becomes the unread notices it covers: the
// decider then records exactly which notices changed. An error names the first position that is no notice.
std::optional<error> resolve_marking(const storage::event_log& log, pb::InboxCommand& c) {
  auto model = engine::projection_runner::stored_serving_name(log, inbox_projection::projection_name);
  if (!model) return model.error();
  const inbox_reader reader(log, model.value());
  const bool read = c.has_mark_read();
  auto& positions =
      *(read ? c.mutable_mark_read()->mutable_positions() : c.mutable_mark_unread()->mutable_positions());
  const std::string field = read ? "inbox.mark_read.positions" : "inbox.mark_unread.positions";
  for (int i = 0; i < positions.size() && static_cast<std::size_t>(i) < max_marked_notices; ++i) {
    auto found = reader.has_notice(c.inbox(), positions[i]);
    if (!found) return found.error();
    if (!found.value())
      return app_error(
          errc::not_found, field + "[" + std::to_string(i) + "]",
          "no notice at position " + std::to_string(positions[i]) + " in the inbox " + c.inbox() +
              " (yet: a notice appears once the inbox read model applied its event)",
          "Hộp thư " + c.inbox() + " không có thông báo ở vị trí " + std::to_string(positions[i]));
  }
  if (read && c.mark_read().up_to_position() != 0 &&
      static_cast<std::size_t>(positions.size()) < max_marked_notices) {
    auto unread = reader.unread_up_to(c.inbox(), c.person(), c.mark_read().up_to_position(),
                                      max_marked_notices - positions.size());
    if (!unread) return unread.error();
    positions.Add(unread.value().begin(), unread.value().end());
  }
  return std::nullopt;
}

// The first answer to a command id already recorded, as its repeat: for commands whose server-made parts (a
// secret, the notices an up_to_position covers) would differ the second time.
result<std::optional<pb::CommandAccepted>> recorded_before(const storage::event_log& log,
                                                           const std::string& scoped_id) {
  auto first = log.find_command(scoped_id);
  if (!first) return std::move(first).error();
  if (!first.value()) return std::optional<pb::CommandAccepted>();
  pb::CommandAccepted a;
  a.set_stream_id(first.value()->stream_id);
  a.set_first_position(first.value()->first.value);
  a.set_last_position(first.value()->last.value);
  a.set_stream_version(first.value()->version.value);
  a.set_duplicate(true);
  return std::optional<pb::CommandAccepted>(std::move(a));
}

// A new webhook's id follows from who asked and the command id, so a retry names the same webhook.
std::string webhook_id_of(const pb::TokenGrant& grant, const std::string& command_id) {
  return "wh-" + token_hash(command_id + actor_scope(grant)).substr(0, 12);
}

}  // namespace

void command_service::execute_inbox(const pb::TokenGrant& grant, pb::SubmitCommand c, command_done done) {
  auto& m = *c.mutable_inbox();
  const auto actor = actor_of(grant);
  m.set_inbox(inbox_of(actor));
  m.set_person(grant.person_name());
  // A retry is answered from the log: the unread notices an up_to_position covers change once it is recorded.
  auto before = recorded_before(impl_->log, engine::scoped_command_id(actor_scope(grant), c.command_id()));
  if (!before) return done(std::move(before).error());
  if (before.value()) return done(std::move(*before.value()));
  if (m.has_mark_read() || m.has_mark_unread()) {
    if (auto refused = resolve_marking(impl_->log, m)) return done(std::move(*refused));
    // "Everything up to here", all of it read already: nothing to record.
    if (m.has_mark_read() && m.mark_read().positions().empty() && m.mark_read().up_to_position() != 0) {
      pb::CommandAccepted a;
      a.set_stream_id(inbox_decider::stream_of(m));
      return done(std::move(a));
    }
  }
  std::optional<std::uint64_t> expected;
  if (c.has_expected_version()) expected = c.expected_version();
  impl_->inboxes.execute_async(
      {c.command_id(), actor, std::move(m), impl_->clock.now_ms(), expected, {}, {}, actor_scope(grant)},
      [done = std::move(done), command_id = c.command_id()](result<engine::command_result> r) {
        done(accepted(std::move(r), command_id, false));
      });
}

void command_service::execute_webhook(const pb::TokenGrant& grant, pb::SubmitCommand c, command_done done) {
  auto& m = *c.mutable_webhook();
  const auto actor = actor_of(grant);
  m.set_inbox(inbox_of(actor));
  m.clear_webhook_id();
  m.clear_secret();
  auto before = recorded_before(impl_->log, engine::scoped_command_id(actor_scope(grant), c.command_id()));
  if (!before) return done(std::move(before).error());
  if (before.value()) {
    if (m.has_add()) before.value()->set_webhook_id(webhook_id_of(grant, c.command_id()));
    return done(std::move(*before.value()));
  }
  std::string secret;
  if (m.has_add()) {
    m.set_webhook_id(webhook_id_of(grant, c.command_id()));
    secret = "whsec_" + new_token_secret().substr(4);
    m.set_secret(secret);
  }
  std::optional<std::uint64_t> expected;
  if (c.has_expected_version()) expected = c.expected_version();
  const std::string id = m.webhook_id();
  impl_->webhooks.execute_async(
      {c.command_id(), actor, std::move(m), impl_->clock.now_ms(), expected, {}, {}, actor_scope(grant)},
      [done = std::move(done), command_id = c.command_id(), id, secret](result<engine::command_result> r) {
        auto reply = accepted(std::move(r), command_id, false);
        if (reply && !id.empty()) {
          reply.value().set_webhook_id(id);
          if (!reply.value().duplicate()) reply.value().set_webhook_secret(secret);
        }
        done(std::move(reply));
      });
}

void command_service::execute(const pb::TokenGrant& grant, pb::SubmitCommand c, command_done done) {
  if (!c.has_cycle() && !c.has_registry() && !c.has_token() && !c.has_inbox() && !c.has_webhook())
    return done(app_error(
        errc::missing_field, "command.target",
        "the command names neither a cycle, a registry, a token, an inbox nor a webhook command",
        "Lệnh không nêu thao tác của chu kỳ, của danh mục, của token, của hộp thư hay của webhook"));
  if (!domain::valid_command_id(c.command_id()))
    return done(app_error(errc::invalid_field, "command.command_id",
                          c.command_id().empty()
                              ? "command_id: required (choose one per command; a retry reuses it)"
                              : "command_id: 1–" + std::to_string(domain::max_command_id_bytes) +
                                    " bytes of printable ASCII without spaces",
                          "Mã lệnh (command_id) phải có 1–128 ký tự ASCII in được, không có dấu cách"));
  if (c.has_token()) return execute_token(grant, std::move(c), std::move(done));
  if (c.has_inbox()) return execute_inbox(grant, std::move(c), std::move(done));
  if (c.has_webhook()) return execute_webhook(grant, std::move(c), std::move(done));
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
