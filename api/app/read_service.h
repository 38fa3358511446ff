#pragma once
// What a network session may read: queries over the catalog read model and the log, subscriptions through the
// engine's hub, each limited to what the token may read (domain/read_access.h). It owns the read side: the
// membership index, the subscription hub and the catalog projection.

#include <chrono>
#include <functional>
#include <memory>
#include <variant>

#include "api/app/proto/tokens.pb.h"
#include "api/wire/proto/wire.pb.h"
#include "engine/subscription_hub.h"
#include "storage/event_log.h"

namespace thidua::api {

struct read_options {
  // Events per ReadStream / ReadLog answer, at most. Default: 1,000.
  std::uint32_t max_events = 1000;
  engine::hub_options hub;
};

// How long a query waits for the read models to reach its at_least_position, and the error when they do not.
inline constexpr std::chrono::milliseconds max_read_wait{5000};
pb::Error read_model_behind(std::uint64_t position);

class read_service {
 public:
  explicit read_service(storage::event_log& log, read_options options = {});
  ~read_service();
  read_service(const read_service&) = delete;
  read_service& operator=(const read_service&) = delete;

  // Loads the membership index and starts the catalog projection.
  result<void> start();
  // Stops the catalog projection; queries still waiting for a position hear "not reached" now. Call it while
  // the network that waits on them still runs.
  void stop();

  using query_answer = std::variant<pb::QueryResult, pb::Error>;
  query_answer query(const pb::TokenGrant& grant, const pb::Query& q) const;
  // Calls done(true) once the read models have applied `p` (at once if they have), done(false) when
  // `timeout` passes or they stop first. From any thread: keep it quick.
  void when_applied(storage::position p, std::chrono::milliseconds timeout, std::function<void(bool)> done);

  using subscribe_answer = std::variant<std::shared_ptr<engine::subscription>, pb::Error>;
  // `ready` is called (from the log's thread) when a subscription that found nothing has news.
  subscribe_answer subscribe(const pb::TokenGrant& grant, const pb::Subscribe& s,
                             std::function<void()> ready);

  pb::EventEnvelope envelope(const storage::stored_event& e) const;
  // The envelope of an event encoded once (protobuf, or the JSON mapping) and shared by every subscriber it
  // goes to: fan-out costs one encoding per event, not one per subscriber.
  std::shared_ptr<const std::string> encoded_envelope(const storage::stored_event& e, bool json) const;
  storage::position head() const;
  storage::position read_model_position() const;
  std::size_t subscribers() const;
  std::uint64_t max_subscription_lag() const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace thidua::api
