#pragma once
// What a session may ask of the engine: authenticate a token, execute a command as the token's actor. It
// decides nothing about the business: the domain's deciders do, through the engine. It answers application
// types and errors; the wire frames them and counts them.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/app/proto/commands.pb.h"
#include "api/app/proto/tokens.pb.h"
#include "engine/clock.h"
#include "engine/timer_stats.h"
#include "storage/event_log.h"

namespace thidua::api {

// The scope of a token's commands (engine/command_id.h): its person in its unit.
std::string actor_scope(const pb::TokenGrant& grant);

class command_service {
 public:
  // `clock`: when commands are decided and their events recorded (engine/clock.h).
  command_service(storage::event_log& log, const engine::wall_clock& clock);
  ~command_service();

  std::shared_ptr<const pb::TokenGrant> authenticate(std::string_view secret);
  // Whether the token is issued and not revoked. Sessions ask when revocations() moved since they last
  // looked, so a revoked token's open connections end within their next check.
  bool token_live(const std::string& token_id) const;
  std::uint64_t revocations() const;

  // The cycles' deadline timers (domain/deadline_timers.h, engine/timer_service.h). fire_due_timers fires
  // what is due now and waits for it (at start, before the server listens: those due while it was down);
  // start_timers fires on a thread of its own as they come due, until stop_timers or the destructor.
  result<std::size_t> fire_due_timers();
  void start_timers();
  void stop_timers();
  engine::timer_stats timer_stats() const;
  // Runs the command as the grant's actor; `done` gets the acceptance or why not, possibly on another thread.
  using command_done = std::function<void(result<pb::CommandAccepted>)>;
  void execute(const pb::TokenGrant& grant, pb::SubmitCommand command, command_done done);

  struct impl;

 private:
  // A token command: the token's id and hash are the server's; the secret goes back in the reply only.
  void execute_token(const pb::TokenGrant& grant, pb::SubmitCommand c, command_done done);
  // Marking notices of the token's own inbox read or unread.
  void execute_inbox(const pb::TokenGrant& grant, pb::SubmitCommand c, command_done done);
  // Adding, removing or resuming a webhook of the token's own inbox.
  void execute_webhook(const pb::TokenGrant& grant, pb::SubmitCommand c, command_done done);
  std::unique_ptr<impl> impl_;
};

}  // namespace thidua::api
