#pragma once
// The webhooks' lines of GET /metrics (docs/api.md, "Metrics"): deliveries, failures and suspensions since
// the server started, and the webhooks, the suspended ones and the notices pending now.

#include <string>

namespace thidua::api {

class webhook_outbox;

// Appends them in the Prometheus text format; nothing when the outbox could not be read.
void append_webhook_metrics(std::string& out, const webhook_outbox& outbox);

}  // namespace thidua::api
