#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mqtt/sync_responder.h"

struct mosquitto;
struct mosquitto_message;
typedef struct mqtt5__property mosquitto_property;

namespace yard::mqtt {

struct ClientOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string username, password;  // empty username: connect anonymously
  std::string client_id;
  std::vector<std::string> subscriptions;  // QoS 1 filters subscribed on every (re)connect
  std::string state_topic;  // retained "online" on connect, "offline" as Last Will and on stop
  int keepalive_s = 30;
  int64_t backoff_base_ms = 200;
  int64_t backoff_cap_ms = 10000;
};

// The gateway's privileged MQTT 5 connection to the site broker. A persistent session (fixed
// client id, clean start off, session expiry "never") so QoS 1 requests sent while the gateway
// was away are delivered when it comes back. Its own network thread connects, reconnects with
// capped jittered backoff whenever the link drops, resubscribes, and republishes the retained
// state. Inbound messages go to on_message on the network thread: copy and hand off, never block.
// publish() is thread-safe.
class MqttClient {
 public:
  using MessageHandler = std::function<void(Inbound)>;

  MqttClient(ClientOptions options, MessageHandler on_message);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  void start();
  // Publishes "offline" (a clean disconnect sends no Last Will), disconnects, joins the thread.
  void stop();

  // QoS 1. False when there is no connection (the message is dropped: nothing the gateway sends
  // over MQTT is the record, a phone re-asks or pulls).
  bool publish(const Outbound& message);

  bool connected() const { return connected_; }
  // Connections the broker accepted since start (the first included).
  uint64_t connects() const { return connects_; }

 private:
  void run();
  bool waitBackoff(int64_t ms);
  void onConnect(int rc);
  void onMessage(const mosquitto_message* message, const mosquitto_property* props);

  ClientOptions options_;
  MessageHandler on_message_;
  mosquitto* mosq_ = nullptr;
  mosquitto_property* connect_props_ = nullptr;
  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> connects_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace yard::mqtt
