#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "auth/device_registry.h"
#include "core/record.h"
#include "mqtt/change_notifier.h"
#include "mqtt/mqtt_client.h"
#include "mqtt/sync_responder.h"
#include "store/store.h"
#include "sync/sync_service.h"

namespace yard::mqtt {

struct ChannelOptions {
  ClientOptions client;  // subscription, state topic and client id are filled in from site/node
  std::string site, node_id;
  // A hub also answers its node gateways' upstream requests (the node tree, docs/upstream.md).
  bool serve_nodes = false;
  size_t max_request_bytes = 8 << 20;
  int workers = 64;
  std::chrono::milliseconds notify_debounce{200};
};

// The MQTT device channel (DESIGN §5): sync requests from the broker are answered by a pool of
// workers (a sync waits for a durable group commit; running it on the network thread would
// serialise every device behind one fsync at a time), and committed changes become notify
// messages. Start after the SyncService exists; stop before it goes.
class DeviceChannel {
 public:
  DeviceChannel(ChannelOptions options, sync::SyncService& sync, auth::DeviceRegistry& devices,
                store::Store& store);
  ~DeviceChannel();
  DeviceChannel(const DeviceChannel&) = delete;
  DeviceChannel& operator=(const DeviceChannel&) = delete;

  void start();
  void stop();
  // For SyncService / upstream change listeners.
  void changed(const std::vector<core::Record>& records) { notifier_.changed(records); }

  // {"enabled", "connected", "broker", "requests", "notifies", "connects", "queued"}.
  core::Json stateJson() const;

 private:
  void enqueue(Inbound in);
  void work();

  ChannelOptions options_;
  SyncResponder responder_;
  MqttClient client_;
  ChangeNotifier notifier_;
  mutable std::mutex mu_;
  std::condition_variable queued_;
  std::deque<Inbound> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> notifies_{0};
};

}  // namespace yard::mqtt
