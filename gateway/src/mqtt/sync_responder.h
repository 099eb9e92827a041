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
// site (the broker authenticated it; the gateway checks again, so a broker misconfiguration
// cannot hand one device's records to another). Every failure is answered with the HTTP API's
// JSON error shape. Thread-safe: several workers call answer() at once.
class SyncResponder {
 public:
  SyncResponder(std::string site, size_t max_request_bytes, sync::SyncService& sync,
                auth::DeviceRegistry& devices)
      : site_(std::move(site)),
        max_request_bytes_(max_request_bytes),
        sync_(sync),
        devices_(devices) {}

  // nullopt when the topic is no request topic of this site (nothing to answer).
  std::optional<Outbound> answer(const Inbound& in);

 private:
  Result<core::Json> run(const std::string& device, const core::Json& body);

  std::string site_;
  size_t max_request_bytes_;
  sync::SyncService& sync_;
  auth::DeviceRegistry& devices_;
};

// {"error","message"} with the error codes of the HTTP API (docs/protocol.md).
core::Json errorJson(const Status& status);

}  // namespace yard::mqtt
