#pragma once
// The HTTP side of the API: health, readiness, metrics, and GET /v1/... JSON reads answering the same queries
// as the WebSocket (docs/api.md, "HTTP").

#include "api/net/http_server.h"
#include "api/wire/services.h"
#include "engine/clock.h"
#include "storage/event_log.h"

namespace thidua::api {

// `clock`: what /v1/status counts the uptime by.
http_server::handler make_http_routes(const services& api, const storage::event_log& log,
                                      const engine::wall_clock& clock);

}  // namespace thidua::api
