#include "api/net/webhook_sender.h"

#include <pthread.h>

#include <spdlog/spdlog.h>

#include "api/app/webhook_outbox.h"
#include "api/client/server_client.h"

namespace thidua::api {
namespace {

// The path and query of a URL ("/hooks/thidua?x=1"), "/" when it has none.
std::string target_of(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

}  // namespace

webhook_sender::webhook_sender(webhook_outbox& outbox, std::chrono::milliseconds timeout, std::string ca_file)
    : outbox_(outbox), timeout_(timeout), ca_file_(std::move(ca_file)) {}

webhook_sender::~webhook_sender() {
  stop();
}

void webhook_sender::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "webhooks");
    loop();
  });
}

void webhook_sender::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void webhook_sender::loop() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    auto due = outbox_.due(64);
    if (!due) spdlog::warn("webhooks: the outbox could not be read: {}", due.error().message);
    if (due && !due.value().empty()) {
      for (const auto& d : due.value()) deliver(d);
      continue;
    }
    // Nothing due: look again soon (new notices, retries coming due) or stop.
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; });
  }
}

void webhook_sender::deliver(const webhook_delivery& d) {
  std::string why;
  const auto server = parse_server_url(d.url, why);
  http_answer answer;
  bool answered = false;
  if (server) {
    client_options o;
    o.timeout = std::chrono::duration_cast<std::chrono::seconds>(timeout_);
    if (o.timeout.count() == 0) o.timeout = std::chrono::seconds(1);
    o.max_answer_bytes = 64 * 1024;
    o.ca_file = ca_file_;
    o.user_agent = "thidua-webhooks";
    o.headers = {{"X-ThiDua-Delivery", d.delivery_id},
                 {"X-ThiDua-Webhook", d.webhook_id},
                 {"X-ThiDua-Kind", d.kind},
                 {"X-ThiDua-Timestamp", std::to_string(d.timestamp_s)},
                 {"X-ThiDua-Signature", d.signature}};
    answered = http_call(*server, o, "POST", target_of(d.url), d.body, answer, why);
  }
  if (answered && answer.status >= 200 && answer.status < 300) {
    if (auto r = outbox_.delivered(d); !r)
      spdlog::warn("webhook {}: delivery {} went, but could not be noted: {}", d.webhook_id, d.delivery_id,
                   r.error().message);
    return;
  }
  const std::string failure = answered ? "HTTP " + std::to_string(answer.status) : why;
  spdlog::warn("webhook {}: delivery {} to {} failed: {}", d.webhook_id, d.delivery_id, d.url, failure);
  if (auto r = outbox_.failed(d, failure); !r)
    spdlog::warn("webhook {}: the failure could not be noted: {}", d.webhook_id, r.error().message);
}

}  // namespace thidua::api
