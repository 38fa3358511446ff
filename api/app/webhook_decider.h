#pragma once
// An inbox's webhooks as a decider (engine/decider.h): one stream per inbox ("webhooks/<inbox>"), so each
// addition, removal and resumption is recorded with who did it. The id and the signing secret of a new
// webhook are the server's (the command service makes them); this says what a well-formed webhook is.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/app/proto/webhooks.pb.h"
#include "domain/decider_support.h"
#include "domain/proto/cycle.pb.h"
#include "domain/rejection.h"

namespace thidua::api {

// Webhooks one inbox may have at once.
inline constexpr std::size_t max_webhooks_per_inbox = 16;

struct inbox_webhooks {
  std::map<std::string, bool> removed;  // every webhook the inbox had, by id: removed or live
  std::size_t live() const;
};

struct webhook_decider : domain::protobuf_decider<inbox_webhooks, pb::WebhookCommand, pb::WebhookEvent,
                                                  domain::pb::Actor, domain::rejection>,
                         domain::actor_names {
  static std::string stream_of(const command& c) { return "webhooks/" + c.inbox(); }
  static decision decide(const state& s, const command& c, const actor& a, std::int64_t now_ms);
  static state evolve(state s, const event& e);
  static std::string event_type(const event& e);
  static std::optional<event> decode(std::string_view type, std::string_view bytes);
};

// The inbox whose webhooks `stream` holds; empty when it is no webhook stream.
std::string inbox_of_webhook_stream(std::string_view stream);

}  // namespace thidua::api
