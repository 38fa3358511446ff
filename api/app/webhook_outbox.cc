#include "api/app/webhook_outbox.h"

#include <google/protobuf/util/json_util.h>
#include <openssl/hmac.h>

#include <charconv>

#include "api/app/hex.h"
#include "api/app/inbox_projection.h"
#include "api/app/position_key.h"
#include "api/app/vietnam_time.h"

namespace thidua::api {
namespace {

std::string state_key(const std::string& webhook) {
  return "d/" + webhook;
}

// Suspended, and no resumption asked since (one the sender has not seen yet already counts).
result<bool> suspended_now(const storage::event_log& log, const std::string& model, const std::string& id,
                           const pb::WebhookDeliveryState& s) {
  if (!s.suspended()) return false;
  auto resumes = log.projection_get(model, "wr/" + id);
  if (!resumes) return resumes.error();
  return counter_value(resumes.value()) <= s.resumes_seen();
}

// Notices queued for the webhook past what it was delivered, at most 1,000 counted.
result<std::uint64_t> pending_of(const storage::event_log& log, const std::string& model,
                                 const std::string& id, const pb::WebhookDeliveryState& s) {
  const std::string prefix = inbox_projection::outbox_prefix(id);
  std::uint64_t pending = 0;
  auto counted =
      log.projection_scan_from(model, prefix, prefix + position_key(s.delivered_position() + 1),
                               [&](std::string_view, std::string_view) { return ++pending < 1000; });
  if (!counted) return counted.error();
  return pending;
}

}  // namespace

std::string webhook_signature(const std::string& secret, std::int64_t timestamp_s, const std::string& body) {
  const std::string signed_text = std::to_string(timestamp_s) + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &length);
  return "sha256=" + hex(mac, length);
}

webhook_outbox::webhook_outbox(storage::event_log& log, std::function<std::string()> inbox_model,
                               const engine::wall_clock& clock, webhook_options options)
    : log_(log), inbox_model_(std::move(inbox_model)), clock_(clock), options_(options) {}

result<pb::WebhookDeliveryState> webhook_outbox::state_of(const storage::event_log& log,
                                                          const std::string& webhook) {
  auto stored = log.projection_get(state_model, state_key(webhook));
  if (!stored) return stored.error();
  pb::WebhookDeliveryState s;
  if (stored.value()) s.ParseFromString(*stored.value());
  return s;
}

result<void> webhook_outbox::save(const std::string& webhook, const pb::WebhookDeliveryState& s) {
  storage::projection_batch batch;
  batch.put(state_key(webhook), s.SerializeAsString());
  return log_.commit_projection(state_model, batch, {0});
}

result<std::vector<webhook_delivery>> webhook_outbox::due(std::size_t max) {
  std::lock_guard lock(mutex_);
  const std::string model = inbox_model_();
  const std::int64_t now = clock_.now_ms();
  std::vector<pb::WebhookAdded> hooks;
  auto listed = log_.projection_scan(model, "w/", [&](std::string_view, std::string_view value) {
    pb::WebhookAdded h;
    if (h.ParseFromArray(value.data(), static_cast<int>(value.size()))) hooks.push_back(std::move(h));
    return true;
  });
  if (!listed) return listed.error();
  std::vector<webhook_delivery> out;
  for (const auto& hook : hooks) {
    if (out.size() >= max) break;
    const std::string& id = hook.webhook_id();
    auto removed = log_.projection_get(model, "wx/" + id);
    if (!removed) return removed.error();
    if (removed.value()) continue;
    auto state = state_of(log_, id);
    if (!state) return state.error();
    auto& s = state.value();
    if (s.suspended()) {
      auto resumes = log_.projection_get(model, "wr/" + id);
      if (!resumes) return resumes.error();
      const auto asked = counter_value(resumes.value());
      if (asked <= s.resumes_seen()) continue;
      // Resumed: from the oldest undelivered notice, at once.
      s.set_suspended(false);
      s.set_failures(0);
      s.set_next_attempt_ms(0);
      s.set_resumes_seen(static_cast<std::uint32_t>(asked));
      if (auto saved = save(id, s); !saved) return saved.error();
    }
    if (s.next_attempt_ms() > now) continue;
    const std::string prefix = inbox_projection::outbox_prefix(id);
    std::optional<pb::Notice> next;
    auto scanned =
        log_.projection_scan_from(model, prefix, prefix + position_key(s.delivered_position() + 1),
                                  [&](std::string_view, std::string_view value) {
                                    pb::Notice n;
                                    if (n.ParseFromArray(value.data(), static_cast<int>(value.size())))
                                      next = std::move(n);
                                    return false;
                                  });
    if (!scanned) return scanned.error();
    if (!next) continue;
    webhook_delivery d;
    d.webhook_id = id;
    d.url = hook.url();
    d.position = next->position();
    d.delivery_id = id + "-" + std::to_string(next->position());
    d.kind = next->kind();
    pb::WebhookDelivery body;
    body.set_delivery_id(d.delivery_id);
    body.set_webhook_id(id);
    body.set_inbox(hook.inbox());
    *body.mutable_notice() = std::move(*next);
    google::protobuf::util::JsonPrintOptions json;
    json.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(body, &d.body, json);
    d.timestamp_s = now / 1000;
    d.signature = webhook_signature(hook.secret(), d.timestamp_s, d.body);
    out.push_back(std::move(d));
  }
  return out;
}

result<void> webhook_outbox::delivered(const webhook_delivery& d) {
  std::lock_guard lock(mutex_);
  auto state = state_of(log_, d.webhook_id);
  if (!state) return state.error();
  auto& s = state.value();
  if (d.position > s.delivered_position()) s.set_delivered_position(d.position);
  s.set_failures(0);
  s.set_last_error("");
  s.set_next_attempt_ms(0);
  s.set_last_delivered_ms(clock_.now_ms());
  delivered_.fetch_add(1, std::memory_order_relaxed);
  return save(d.webhook_id, s);
}

result<void> webhook_outbox::failed(const webhook_delivery& d, const std::string& why) {
  std::lock_guard lock(mutex_);
  auto state = state_of(log_, d.webhook_id);
  if (!state) return state.error();
  auto& s = state.value();
  s.set_failures(s.failures() + 1);
  s.set_last_error(why);
  const std::uint32_t shift = std::min<std::uint32_t>(s.failures() - 1, 30);
  const auto ceiling =
      std::min<std::int64_t>(options_.retry_base.count() << shift, options_.retry_max.count());
  const double jitter = 0.5 + 0.5 * std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  s.set_next_attempt_ms(clock_.now_ms() + static_cast<std::int64_t>(static_cast<double>(ceiling) * jitter));
  failed_.fetch_add(1, std::memory_order_relaxed);
  if (options_.suspend_after > 0 && s.failures() >= options_.suspend_after && !s.suspended()) {
    s.set_suspended(true);
    suspensions_.fetch_add(1, std::memory_order_relaxed);
  }
  return save(d.webhook_id, s);
}

result<std::vector<pb::WebhookStatus>> webhook_outbox::status(const storage::event_log& log,
                                                              const std::string& model,
                                                              const std::string& inbox) {
  auto listed = log.projection_get(model, "wi/" + inbox);
  if (!listed) return listed.error();
  std::vector<pb::WebhookStatus> out;
  if (!listed.value()) return out;
  for (const auto& id : inbox_projection::split_ids(*listed.value())) {
    auto stored = log.projection_get(model, inbox_projection::webhook_key(id));
    if (!stored) return stored.error();
    pb::WebhookAdded hook;
    if (!stored.value() || !hook.ParseFromString(*stored.value())) continue;
    auto state = state_of(log, id);
    if (!state) return state.error();
    const auto& s = state.value();
    pb::WebhookStatus w;
    w.set_webhook_id(id);
    w.set_url(hook.url());
    *w.mutable_kinds() = hook.kinds();
    w.set_delivered_position(s.delivered_position());
    w.set_failures(s.failures());
    w.set_last_error(s.last_error());
    w.set_next_attempt_ms(s.next_attempt_ms());
    if (s.next_attempt_ms() > 0) w.set_next_attempt(vietnam_time(s.next_attempt_ms()));
    auto suspended = suspended_now(log, model, id, s);
    if (!suspended) return suspended.error();
    w.set_suspended(suspended.value());
    w.set_last_delivered_ms(s.last_delivered_ms());
    auto pending = pending_of(log, model, id, s);
    if (!pending) return pending.error();
    w.set_pending(pending.value());
    out.push_back(std::move(w));
  }
  return out;
}

result<webhook_stats> webhook_outbox::stats() const {
  webhook_stats out;
  out.delivered = delivered_.load(std::memory_order_relaxed);
  out.failed = failed_.load(std::memory_order_relaxed);
  out.suspensions = suspensions_.load(std::memory_order_relaxed);
  const std::string model = inbox_model_();
  std::vector<std::string> ids;
  auto listed = log_.projection_scan(model, "w/", [&](std::string_view key, std::string_view) {
    ids.emplace_back(key.substr(2));
    return true;
  });
  if (!listed) return listed.error();
  for (const auto& id : ids) {
    auto removed = log_.projection_get(model, "wx/" + id);
    if (!removed) return removed.error();
    if (removed.value()) continue;
    auto state = state_of(log_, id);
    if (!state) return state.error();
    ++out.live;
    auto suspended = suspended_now(log_, model, id, state.value());
    if (!suspended) return suspended.error();
    out.suspended += suspended.value() ? 1 : 0;
    auto pending = pending_of(log_, model, id, state.value());
    if (!pending) return pending.error();
    out.pending += pending.value();
  }
  return out;
}

}  // namespace thidua::api
