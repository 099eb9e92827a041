#include "mqtt/mqtt_client.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <cstdlib>
#include <mutex>
#include <random>

#include <spdlog/spdlog.h>

#include "core/backoff.h"

namespace yard::mqtt {
namespace {

constexpr char kOnline[] = "online";
constexpr char kOffline[] = "offline";
// MQTT 5 session expiry "never": the broker keeps the gateway's subscription and queued
// requests however long it is away (up to the broker's own max_queued_messages).
constexpr uint32_t kSessionNeverExpires = 0xFFFFFFFF;
// How long stop() lets the network thread flush "offline" and DISCONNECT.
constexpr auto kStopFlush = std::chrono::seconds(2);

void initLibrary() {
  static std::once_flag once;
  std::call_once(once, [] {
    mosquitto_lib_init();
    std::atexit([] { mosquitto_lib_cleanup(); });
  });
}

double unitRandom() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

MqttClient::MqttClient(ClientOptions options, MessageHandler on_message)
    : options_(std::move(options)), on_message_(std::move(on_message)) {
  initLibrary();
  mosq_ = mosquitto_new(options_.client_id.c_str(), /*clean_session=*/false, this);
  if (!mosq_) throw std::runtime_error("[mqtt] cannot create a libmosquitto client");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  // Requests and answers are small and latency-bound: Nagle plus delayed ACKs would add ~40 ms.
  mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  // Other threads publish while this client's own thread runs the network loop.
  mosquitto_threaded_set(mosq_, true);
  if (!options_.username.empty())
    mosquitto_username_pw_set(mosq_, options_.username.c_str(),
                              options_.password.empty() ? nullptr : options_.password.c_str());
  mosquitto_will_set_v5(mosq_, options_.state_topic.c_str(), sizeof kOffline - 1, kOffline, 1, true,
                        nullptr);
  mosquitto_property_add_int32(&connect_props_, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
                               kSessionNeverExpires);
  mosquitto_connect_v5_callback_set(
      mosq_, [](mosquitto*, void* self, int rc, int, const mosquitto_property*) {
        static_cast<MqttClient*>(self)->onConnect(rc);
      });
  mosquitto_disconnect_v5_callback_set(mosq_,
                                       [](mosquitto*, void* self, int, const mosquitto_property*) {
                                         static_cast<MqttClient*>(self)->connected_ = false;
                                       });
  mosquitto_message_v5_callback_set(
      mosq_, [](mosquitto*, void* self, const mosquitto_message* m, const mosquitto_property* p) {
        static_cast<MqttClient*>(self)->onMessage(m, p);
      });
}

MqttClient::~MqttClient() {
  stop();
  mosquitto_destroy(mosq_);
  mosquitto_property_free_all(&connect_props_);
}

void MqttClient::start() {
  thread_ = std::thread([this] { run(); });
}

void MqttClient::stop() {
  if (!thread_.joinable()) return;
  if (connected_) {
    mosquitto_publish_v5(mosq_, nullptr, options_.state_topic.c_str(), sizeof kOffline - 1,
                         kOffline, 1, true, nullptr);
    mosquitto_disconnect_v5(mosq_, MQTT_RC_NORMAL_DISCONNECTION, nullptr);
  }
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  connected_ = false;
}

bool MqttClient::waitBackoff(int64_t ms) {
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

void MqttClient::run() {
  // The network loop is ours rather than mosquitto_loop_start's: libmosquitto's own reconnect
  // drops the CONNECT properties, and without the session expiry the broker would forget the
  // gateway's session (and the requests queued in it) at the first reconnect.
  core::Backoff backoff(options_.backoff_base_ms, options_.backoff_cap_ms);
  bool socket_up = false;
  bool reported_down = false;
  const auto stopping = [this] {
    std::lock_guard lock(mu_);
    return stopping_;
  };
  std::chrono::steady_clock::time_point stop_at{};
  for (;;) {
    if (stopping()) {
      if (stop_at == std::chrono::steady_clock::time_point{})
        stop_at = std::chrono::steady_clock::now() + kStopFlush;
      if (!socket_up || std::chrono::steady_clock::now() > stop_at) break;
    }
    if (!socket_up) {
      int rc = mosquitto_connect_bind_v5(mosq_, options_.host.c_str(), options_.port,
                                         options_.keepalive_s, nullptr, connect_props_);
      if (rc == MOSQ_ERR_SUCCESS) {
        socket_up = true;
        continue;
      }
      if (!reported_down)
        spdlog::warn("[mqtt] cannot reach broker {}:{}: {}; retrying", options_.host, options_.port,
                     mosquitto_strerror(rc));
      reported_down = true;
      if (!waitBackoff(backoff.failure(unitRandom()))) break;
      continue;
    }
    int rc = mosquitto_loop(mosq_, 100, 1);
    if (rc == MOSQ_ERR_SUCCESS) {
      if (connected_) {
        backoff.success();
        reported_down = false;
      }
      continue;
    }
    socket_up = false;
    if (connected_.exchange(false) || !reported_down)
      spdlog::warn("[mqtt] connection to {}:{} lost: {}; reconnecting", options_.host,
                   options_.port, mosquitto_strerror(rc));
    reported_down = true;
    if (stopping()) break;
    if (!waitBackoff(backoff.failure(unitRandom()))) break;
  }
  mosquitto_disconnect(mosq_);
}

void MqttClient::onConnect(int rc) {
  if (rc != 0) {
    spdlog::error("[mqtt] broker {}:{} refused the gateway: {}", options_.host, options_.port,
                  mosquitto_reason_string(rc));
    return;
  }
  for (const auto& filter : options_.subscriptions)
    mosquitto_subscribe_v5(mosq_, nullptr, filter.c_str(), 1, 0, nullptr);
  mosquitto_publish_v5(mosq_, nullptr, options_.state_topic.c_str(), sizeof kOnline - 1, kOnline, 1,
                       true, nullptr);
  if (connects_++ == 0)
    spdlog::info("[mqtt] connected to {}:{} as {}", options_.host, options_.port,
                 options_.client_id);
  else
    spdlog::info("[mqtt] reconnected to {}:{}", options_.host, options_.port);
  connected_ = true;
}

void MqttClient::onMessage(const mosquitto_message* m, const mosquitto_property* props) {
  Inbound in;
  in.topic = m->topic ? m->topic : "";
  if (m->payloadlen > 0)
    in.payload.assign(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen));
  char* response_topic = nullptr;
  if (mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC, &response_topic, false)) {
    in.response_topic = response_topic;
    std::free(response_topic);
  }
  void* corr = nullptr;
  uint16_t corr_len = 0;
  if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &corr, &corr_len, false)) {
    in.correlation = std::string(static_cast<const char*>(corr), corr_len);
    std::free(corr);
  }
  on_message_(std::move(in));
}

bool MqttClient::publish(const Outbound& message) {
  if (!connected_) return false;
  mosquitto_property* props = nullptr;
  if (message.correlation)
    mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, message.correlation->data(),
                                  static_cast<uint16_t>(message.correlation->size()));
  int rc = mosquitto_publish_v5(mosq_, nullptr, message.topic.c_str(),
                                static_cast<int>(message.payload.size()), message.payload.data(), 1,
                                false, props);
  mosquitto_property_free_all(&props);
  return rc == MOSQ_ERR_SUCCESS;
}

}  // namespace yard::mqtt
