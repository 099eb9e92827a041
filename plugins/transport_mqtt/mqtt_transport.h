#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "mqtt_rules.h"
#include "yard/plugin.hpp"

struct mosquitto;
struct mosquitto_message;
typedef struct mqtt5__property mosquitto_property;

namespace yard::transport_mqtt {

// Sync exchanges with the hub through a remote broker (docs/upstream.md, "The mqtt transport"):
// each request is an MQTT 5 QoS 1 publish on yard/v1/{site}/node/{device}/sync/req with a
// response topic under the node's own prefix and fresh correlation data; the hub answers there
// with the same correlation data. A persistent session (fixed client id, clean start off,
// session expiry) keeps the subscription and any answer in flight across reconnects. The
// network loop runs only inside calls, on the caller's thread (the ABI's one thread at a time),
// so there is nothing to lock. A connection lost during a call is reconnected with jittered
// backoff and the request sent again until the call's timeout: the hub recognises writes it has
// seen by write_id, so a second copy changes nothing.
class MqttTransport {
 public:
  static yard_rc open(const sdk::Host& host, std::unique_ptr<MqttTransport>& out, yard_error* err);
  ~MqttTransport();
  MqttTransport(const MqttTransport&) = delete;
  MqttTransport& operator=(const MqttTransport&) = delete;

  yard_rc sync(const char* request, size_t len, yard_text_fn fn, void* ctx, yard_error* err);
  yard_rc probe(yard_error* err);

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  MqttTransport(sdk::Host host, BrokerAddress broker, const std::string& site,
                const std::string& device, int timeout_s);

  yard_rc configure(const std::string& password, yard_error* err);
  yard_rc connectOnce(Deadline deadline, yard_error* err);
  yard_rc reconnect(Deadline deadline, yard_error* err);
  // Runs the network loop until the answer to corr is in, the connection drops (false, with
  // connected_ cleared) or the deadline passes (true, no answer).
  bool pump(Deadline deadline);
  void onConnect(int reason);
  void onMessage(const mosquitto_message* message, const mosquitto_property* props);

  sdk::Host host_;
  BrokerAddress broker_;
  std::string device_, request_topic_, response_topic_, client_id_;
  int timeout_s_;
  mosquitto* mosq_ = nullptr;
  mosquitto_property* connect_props_ = nullptr;
  bool connected_ = false;
  int connack_ = -1;         // the last CONNACK's reason code; -1 while waiting for it
  std::string waiting_for_;  // correlation data of the request in flight
  std::optional<std::string> answer_;
};

}  // namespace yard::transport_mqtt
