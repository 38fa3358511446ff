#pragma once
// What a network session may ask of the engine: authenticate a token, execute a command as the token's actor.
// It decides nothing about the business: the domain's deciders do, through the engine.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/app/proto/tokens.pb.h"
#include "api/wire/proto/wire.pb.h"
#include "storage/event_log.h"

namespace thidua::api {

// Longest command id a client may choose, in bytes.
inline constexpr std::size_t max_client_command_id_bytes = 128;
// Why `id` is not a command id a client may choose (1–128 bytes of printable ASCII without space), or
// nullopt.
std::optional<std::string> invalid_client_command_id(std::string_view id);
// The scope of a token's commands (engine/command_id.h): its person in its unit.
std::string actor_scope(const pb::TokenGrant& grant);

class command_service {
 public:
  // `metrics`, when given, counts each command by result and its latency.
  explicit command_service(storage::event_log& log, class server_metrics* metrics = nullptr);
  ~command_service();

  std::shared_ptr<const pb::TokenGrant> authenticate(std::string_view secret);
  // Runs the command as the grant's actor; `done` gets the reply body (accepted or error), possibly on
  // another thread.
  void execute(const pb::TokenGrant& grant, pb::SubmitCommand command, std::int64_t now_ms,
               std::function<void(pb::ServerFrame)> done);

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace thidua::api
