#pragma once
// What the network sessions serve: the application's command and read services, the metrics they feed, and
// the server's one envelope encoder (subscription events encoded once for every subscriber).

namespace thidua::api {

class command_service;
class read_service;
class server_metrics;
class envelope_encoder;
class webhook_outbox;

struct services {
  command_service* commands = nullptr;
  read_service* reads = nullptr;
  server_metrics* metrics = nullptr;
  envelope_encoder* envelopes = nullptr;     // required with `reads`
  const webhook_outbox* webhooks = nullptr;  // its counts in GET /metrics
};

}  // namespace thidua::api
