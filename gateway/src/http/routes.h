#pragma once

#include <functional>

#include "auth/device_registry.h"
#include "core/record.h"
#include "http/router.h"
#include "sync/device_activity.h"
#include "sync/sync_service.h"

namespace yard::http {

// What the HTTP API is a front for.
struct ApiServices {
  sync::SyncService& sync;
  auth::DeviceRegistry& devices;
  sync::DeviceActivity& activity;
  std::function<core::Json()> status;      // GET /v1/status
  std::function<Status()> start_upstream;  // POST /v1/admin/sync-now
};

// /healthz, POST /v1/sync, GET /v1/status.
void addSyncRoutes(Router& router, ApiServices& api);
// /v1/admin/...: devices, conflicts, restore, sync-now (DESIGN §8).
void addAdminRoutes(Router& router, ApiServices& api);

}  // namespace yard::http
