#pragma once
// The webhooks' durable outbox (docs/api.md, "Webhooks"): what to deliver next to each webhook, and where
// each stands. The notices to deliver are in the inbox read model, written with the notices themselves
// (api/app/inbox_projection.h), so nothing queued is lost in a crash: the log rebuilds them. Where each
// webhook's deliveries stand is kept beside the log ("webhook.deliveries"); a crash may lose the last
// acknowledgements (they are not synced), and those notices are delivered again under the same delivery id.
// Per webhook, one delivery at a time, oldest first: the next only once the last was answered 2xx. A failure
// waits base × 2^(failures − 1), at most max, times a random factor in [0.5, 1) (jitter: receivers that
// come back are not hit by every server at once); after `suspend_after` failures in a row the webhook is
// suspended until a ResumeWebhook. No network here: api/net's webhook sender POSTs.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "api/app/proto/webhooks.pb.h"
#include "engine/clock.h"
#include "storage/event_log.h"

namespace thidua::api {

struct webhook_options {
  std::chrono::milliseconds retry_base{1000};
  std::chrono::milliseconds retry_max{600'000};
  std::uint32_t suspend_after = 20;
};

// A delivery as it goes out: the body and the headers that sign it.
struct webhook_delivery {
  std::string webhook_id;
  std::string url;
  std::uint64_t position = 0;
  std::string delivery_id;  // "<webhook>-<position>"
  std::string kind;
  std::string body;  // pb::WebhookDelivery in the JSON mapping
  std::int64_t timestamp_s = 0;
  std::string signature;  // "sha256=" + hex HMAC-SHA-256(secret, "<timestamp_s>.<body>")
};

// Where the webhooks stand, for GET /metrics: counts since the server started, and a look at them now.
struct webhook_stats {
  std::uint64_t delivered = 0;    // deliveries answered 2xx
  std::uint64_t failed = 0;       // deliveries that failed (refused, timed out, answered other than 2xx)
  std::uint64_t suspensions = 0;  // webhooks suspended (after --webhook-suspend-after failures in a row)
  std::uint64_t live = 0;         // webhooks registered and not removed
  std::uint64_t suspended = 0;    // of them, suspended now and not resumed
  std::uint64_t pending = 0;      // notices queued and not delivered yet (at most 1,000 counted per webhook)
};

// "sha256=<hex>" of HMAC-SHA-256 over "<timestamp>.<body>" with `secret`.
std::string webhook_signature(const std::string& secret, std::int64_t timestamp_s, const std::string& body);

class webhook_outbox {
 public:
  // `inbox_model`: where the inbox read model is stored now (a rebuild moves it).
  webhook_outbox(storage::event_log& log, std::function<std::string()> inbox_model,
                 const engine::wall_clock& clock, webhook_options options = {});
  // The next delivery of each webhook that is due now, at most `max`.
  result<std::vector<webhook_delivery>> due(std::size_t max);
  // The delivery was answered 2xx / failed (`why`: "HTTP 500", "connection refused" …).
  result<void> delivered(const webhook_delivery& d);
  result<void> failed(const webhook_delivery& d, const std::string& why);
  // The live webhooks of `inbox` (the inbox read model stored as `model`) with where their deliveries stand.
  result<webhook_stats> stats() const;
  static result<std::vector<pb::WebhookStatus>> status(const storage::event_log& log,
                                                       const std::string& model, const std::string& inbox);

  static constexpr const char* state_model = "webhook.deliveries";

 private:
  static result<pb::WebhookDeliveryState> state_of(const storage::event_log& log, const std::string& webhook);
  result<void> save(const std::string& webhook, const pb::WebhookDeliveryState& s);
  storage::event_log& log_;
  std::function<std::string()> inbox_model_;
  const engine::wall_clock& clock_;
  webhook_options options_;
  std::mutex mutex_;  // one writer of the delivery states at a time
  std::mt19937_64 random_{std::random_device{}()};
  std::atomic<std::uint64_t> delivered_{0}, failed_{0}, suspensions_{0};
};

}  // namespace thidua::api
