#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "client/gateway_channel.h"

struct mosquitto;

namespace yard::device {

struct MqttOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string site;
  std::string device;  // also the broker username
  std::string token;   // the broker password: the device token (docs/mqtt.md)
  std::chrono::milliseconds timeout{30000};
};

// Sync over the site's Mosquitto (DESIGN §5, docs/mqtt.md): MQTT 5, each request published
// QoS 1 on yard/v1/{site}/dev/{device}/sync/req with a response topic under the phone's own
// prefix and correlation data, the answer matched by it. libmosquitto's own thread runs the
// network and reconnects; the phone's subscriptions are renewed on every connect. A request
// whose answer does not come within the timeout is kRetry: the next sync sends it again
// (idempotent by write_id). Also tracks the gateway's notify nudges and its online state.
// exchange() from one thread at a time; the rest is thread-safe.
class MqttChannel : public SyncChannel {
 public:
  static Result<std::unique_ptr<MqttChannel>> connect(MqttOptions options);
  ~MqttChannel() override;
  MqttChannel(const MqttChannel&) = delete;
  MqttChannel& operator=(const MqttChannel&) = delete;

  Result<core::Json> exchange(const core::Json& request) override;
  int64_t bytesUp() const override { return bytes_up_.load(); }
  int64_t bytesDown() const override { return bytes_down_.load(); }

  // Whether a notify ("there are changes for you") came since the last call.
  bool takeNotified() { return notified_.exchange(false); }
  // What the retained yard/v1/{site}/gateway/state last said ("online" until told otherwise).
  bool gatewayOnline() const { return gateway_online_.load(); }

 private:
  explicit MqttChannel(MqttOptions options);
  void onConnect(int rc);
  void onMessage(const std::string& topic, std::string payload, std::string correlation);

  MqttOptions options_;
  std::string prefix_;  // yard/v1/{site}/dev/{device}/
  mosquitto* mosq_ = nullptr;
  std::mutex mu_;
  std::condition_variable changed_;
  int connack_ = -1;
  std::map<std::string, std::string> answers_;  // correlation -> payload
  uint64_t next_correlation_ = 0;
  std::atomic<bool> notified_{false};
  std::atomic<bool> gateway_online_{true};
  std::atomic<int64_t> bytes_up_{0};
  std::atomic<int64_t> bytes_down_{0};
};

}  // namespace yard::device
