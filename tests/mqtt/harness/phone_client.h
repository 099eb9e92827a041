#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

struct mosquitto;

namespace yard::mqtt_test {

using namespace std::chrono_literals;

struct Received {
  std::string topic;
  std::string payload;
  bool retain = false;
  std::optional<std::string> correlation;  // MQTT 5 correlation data
};

// A phone's MQTT connection, for tests and the benchmark: libmosquitto with its own network
// thread (loop_start), MQTT 3.1.1 or 5. Every call waits for the broker's answer up to a
// timeout, so tests read straight. Received messages queue until taken with next().
class PhoneClient {
 public:
  enum class Protocol { kV311, kV5 };

  PhoneClient(const std::string& client_id, Protocol protocol, bool clean = true);
  ~PhoneClient();
  PhoneClient(const PhoneClient&) = delete;
  PhoneClient& operator=(const PhoneClient&) = delete;

  // The CONNACK code (0: accepted), or -1 when the broker did not answer in time.
  int connect(int port, const std::string& username, const std::string& password,
              std::chrono::milliseconds timeout = 5s);
  // The granted QoS of the SUBACK (>= 128: refused), or -1 on timeout.
  int subscribe(const std::string& filter, int qos = 1, std::chrono::milliseconds timeout = 5s);
  // QoS 1 publish; returns the PUBACK reason code (0: accepted; MQTT 5 says 135 when not
  // authorised, 3.1.1 always 0), or -1 on timeout.
  int publish(const std::string& topic, const std::string& payload,
              std::optional<std::string> response_topic = std::nullopt,
              std::optional<std::string> correlation = std::nullopt,
              std::chrono::milliseconds timeout = 5s);
  // Sends without waiting for the PUBACK (benchmark).
  bool publishAsync(const std::string& topic, const std::string& payload,
                    std::optional<std::string> correlation = std::nullopt);
  // The next message received on topic (others stay queued), or nullopt after timeout.
  std::optional<Received> next(const std::string& topic, std::chrono::milliseconds timeout = 10s);
  // Any next message.
  std::optional<Received> nextAny(std::chrono::milliseconds timeout = 10s);
  // Whether the broker closed the connection (at least once) within timeout.
  bool waitDisconnected(std::chrono::milliseconds timeout);
  void disconnect();

 private:
  template <typename Pred>
  bool waitFor(std::chrono::milliseconds timeout, Pred pred);

  mosquitto* mosq_ = nullptr;
  Protocol protocol_;
  std::mutex mu_;
  std::condition_variable changed_;
  int connack_ = -1;
  int disconnects_ = 0;
  std::map<int, int> subacks_, pubacks_;
  std::deque<Received> inbox_;
  bool looping_ = false;
};

}  // namespace yard::mqtt_test
