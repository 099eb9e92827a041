#pragma once

#include <functional>
#include <string>

#include "core/record.h"
#include "http/router.h"
#include "store/store.h"

namespace yard::status {

// GET / and /status/<file>: the status page shell and its assets, public (they hold no data:
// the page reads everything through the authenticated API with the token the user types).
void addStatusPageRoutes(http::Router& router);

// GET /metrics (admin token): Prometheus text built from snapshot(), the node's status
// document without history.
void addMetricsRoute(http::Router& router, std::function<core::Json()> snapshot);

// GET /v1/admin/backup (admin token): a consistent copy of the store, written by the storage
// plugin to a temp file in data_dir and streamed; GET /v1/admin/check: the plugin's integrity
// check. store must outlive the router's use of the routes.
void addStoreRoutes(http::Router& router, store::Store& store, const std::string& data_dir);

}  // namespace yard::status
