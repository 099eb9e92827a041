#pragma once

#include <memory>
#include <string>

#include "attachments/attachment_service.h"
#include "auth/device_registry.h"
#include "config/config.h"
#include "core/record_type.h"
#include "core/status.h"
#include "http/http_server.h"
#include "http/routes.h"
#include "mqtt/device_channel.h"
#include "plugin/plugin_host.h"
#include "status/node_telemetry.h"
#include "store/store.h"
#include "sync/commit_queue.h"
#include "sync/device_activity.h"
#include "sync/node_clock.h"
#include "sync/sync_service.h"
#include "upstream/blob_uplink.h"
#include "upstream/transport.h"
#include "upstream/upstream_loop.h"

namespace yard::app {

// One running node: its parts are built and started in dependency order by start() and
// stopped in reverse by stop() (or the destructor). Nothing is served until every part is up;
// a part that cannot start (bad plugin, corrupt store, port taken) fails start() with a message
// that says what to fix.
class Gateway {
 public:
  explicit Gateway(config::Config config);
  ~Gateway();

  Status start();
  // Stops accepting requests, lets those in flight finish, commits what was queued, closes the
  // store.
  void stop();

  int httpPort() const;
  // GET /v1/status: snapshotJson() plus the per-minute activity history.
  core::Json statusJson();

 private:
  Status openStore();
  Status checkNodeIdentity();
  Status startHttp();
  Status startUpstream();
  Status startAttachments();
  Status startMqtt();
  // The node's state without history: what /metrics is built from.
  core::Json snapshotJson();
  status::ActivityTotals activityTotals();

  config::Config config_;
  int64_t started_ms_ = 0;
  status::NodeTelemetry telemetry_;  // outlives every part that feeds it
  core::RecordTypeRegistry types_;
  std::unique_ptr<plugin::PluginHost> storage_host_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<sync::NodeClock> clock_;
  sync::DeviceActivity activity_;
  std::unique_ptr<sync::CommitQueue> writer_;
  std::unique_ptr<auth::DeviceRegistry> devices_;
  std::unique_ptr<sync::SyncService> sync_;
  std::unique_ptr<plugin::PluginHost> transport_host_;
  std::unique_ptr<upstream::Transport> transport_;
  std::unique_ptr<upstream::UpstreamLoop> upstream_;
  std::unique_ptr<mqtt::DeviceChannel> mqtt_;
  std::unique_ptr<attachments::AttachmentService> attachments_;
  std::unique_ptr<upstream::BlobUplink> uplink_;  // used by upstream_'s thread
  std::unique_ptr<http::ApiServices> api_;
  Poco::SharedPtr<http::Router> router_;
  std::unique_ptr<http::HttpServer> http_;
};

}  // namespace yard::app
