// Routes a request: GET /healthz, POST /webhook (token check, JSON validation,
// append to the events file). Everything else is 404 or 405.
#pragma once

#include "config.h"
#include "http.h"

namespace webhook {

// Fields every event must carry, and their JSON types.
//   {"id": "evt-1", "type": "push", "data": {...}}
Response handle(const Request& req, const Config& config);

}  // namespace webhook
