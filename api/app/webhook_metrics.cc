#include "api/app/webhook_metrics.h"

#include "api/app/server_metrics.h"
#include "api/app/webhook_outbox.h"

namespace thidua::api {

void append_webhook_metrics(std::string& out, const webhook_outbox& outbox) {
  const auto s = outbox.stats();
  if (!s) return;
  const auto& w = s.value();
  append_metric(out, "thidua_webhook_deliveries_total", "counter",
                "Webhook deliveries answered 2xx since the server started.",
                static_cast<double>(w.delivered));
  append_metric(out, "thidua_webhook_failures_total", "counter",
                "Webhook deliveries that failed (refused, timed out, answered other than 2xx) since start.",
                static_cast<double>(w.failed));
  append_metric(out, "thidua_webhook_suspensions_total", "counter",
                "Webhooks suspended after failing --webhook-suspend-after times in a row, since start.",
                static_cast<double>(w.suspensions));
  append_metric(out, "thidua_webhooks", "gauge", "Webhooks registered and not removed.",
                static_cast<double>(w.live));
  append_metric(out, "thidua_webhooks_suspended", "gauge", "Webhooks suspended now and not resumed.",
                static_cast<double>(w.suspended));
  append_metric(out, "thidua_webhook_pending_deliveries", "gauge",
                "Notices queued for webhooks and not delivered yet (at most 1,000 counted per webhook).",
                static_cast<double>(w.pending));
}

}  // namespace thidua::api
