#pragma once

#include <optional>
#include <string>

#include "auth/device_registry.h"
#include "sync/sync_service.h"

namespace yard::mqtt {

// One message as it came off the broker (copied out of libmosquitto's buffers).
struct Inbound {
  std::string topic;
  std::string payload;
  std::optional<std::string> response_topic;  // MQTT 5 only
  std::optional<std::string> correlation;     // MQTT 5 only: opaque bytes, echoed as sent
};

// One message for the broker.
struct Outbound {
  std::string topic;
  std::string payload;
  std::optional<std::string> correlation;
};

// Answers sync requests that arrive over MQTT through the same SyncService as POST /v1/sync
// (DESIGN §5): the device comes from the topic and must be an enrolled, unrevoked device of this
// site (and a node device on the node tree) (the broker authenticated it; the gateway checks again,
// so a broker misconfiguration cannot hand one device's records to another). Every failure is
// answered with the HTTP API's JSON error shape. Thread-safe: several workers call answer() at
// once.
class SyncResponder {
 public:
  // serve_nodes: also answer node devices on the node tree (a hub, docs/upstream.md).
  SyncResponder(std::string site, size_t max_request_bytes, bool serve_nodes,
                sync::SyncService& sync, auth::DeviceRegistry& devices)
      : site_(std::move(site)),
        max_request_bytes_(max_request_bytes),
        serve_nodes_(serve_nodes),
        sync_(sync),
        devices_(devices) {}

  // Called in the order requests came off the broker, before answer(): a node's requests are
  // then ordered as they arrived (sync/unanswered_writes.h). Nothing for phones.
  std::optional<sync::UnansweredWrites::Registration> arrival(const Inbound& in);
  // nullopt when the topic is no request topic of this site (nothing to answer).
  std::optional<Outbound> answer(const Inbound& in,
                                 std::optional<sync::UnansweredWrites::Registration> arrival = {});

 private:
  Result<std::string> run(const std::string& device, bool node_tree, core::Json body,
                          std::optional<sync::UnansweredWrites::Registration> arrival);

  std::string site_;
  size_t max_request_bytes_;
  bool serve_nodes_;
  sync::SyncService& sync_;
  auth::DeviceRegistry& devices_;
};

// {"error","message"} with the error codes of the HTTP API (docs/protocol.md).
core::Json errorJson(const Status& status);

}  // namespace yard::mqtt
