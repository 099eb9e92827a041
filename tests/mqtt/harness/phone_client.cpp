#include "harness/phone_client.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <cstdlib>
#include <stdexcept>

namespace yard::mqtt_test {

PhoneClient::PhoneClient(const std::string& client_id, Protocol protocol, bool clean)
    : protocol_(protocol) {
  static const int init = mosquitto_lib_init();
  (void)init;
  mosq_ = mosquitto_new(client_id.c_str(), clean, this);
  if (!mosq_) throw std::runtime_error("mosquitto_new failed");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION,
                       protocol == Protocol::kV5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_connect_v5_callback_set(
      mosq_, [](mosquitto*, void* self, int rc, int, const mosquitto_property*) {
        auto* p = static_cast<PhoneClient*>(self);
        std::lock_guard lock(p->mu_);
        p->connack_ = rc;
        p->changed_.notify_all();
      });
  mosquitto_disconnect_v5_callback_set(mosq_,
                                       [](mosquitto*, void* self, int, const mosquitto_property*) {
                                         auto* p = static_cast<PhoneClient*>(self);
                                         std::lock_guard lock(p->mu_);
                                         ++p->disconnects_;
                                         p->changed_.notify_all();
                                       });
  mosquitto_subscribe_v5_callback_set(mosq_, [](mosquitto*, void* self, int mid, int count,
                                                const int* granted, const mosquitto_property*) {
    auto* p = static_cast<PhoneClient*>(self);
    std::lock_guard lock(p->mu_);
    p->subacks_[mid] = count > 0 ? granted[0] : 128;
    p->changed_.notify_all();
  });
  mosquitto_publish_v5_callback_set(
      mosq_, [](mosquitto*, void* self, int mid, int reason, const mosquitto_property*) {
        auto* p = static_cast<PhoneClient*>(self);
        std::lock_guard lock(p->mu_);
        p->pubacks_[mid] = reason;
        p->changed_.notify_all();
      });
  mosquitto_message_v5_callback_set(mosq_, [](mosquitto*, void* self, const mosquitto_message* m,
                                              const mosquitto_property* props) {
    auto* p = static_cast<PhoneClient*>(self);
    Received r;
    r.topic = m->topic;
    r.payload.assign(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen));
    r.retain = m->retain;
    void* corr = nullptr;
    uint16_t len = 0;
    if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &corr, &len, false)) {
      r.correlation = std::string(static_cast<const char*>(corr), len);
      std::free(corr);
    }
    std::lock_guard lock(p->mu_);
    p->inbox_.push_back(std::move(r));
    p->changed_.notify_all();
  });
}

PhoneClient::~PhoneClient() {
  disconnect();
  mosquitto_destroy(mosq_);
}

template <typename Pred>
bool PhoneClient::waitFor(std::chrono::milliseconds timeout, Pred pred) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, pred);
}

int PhoneClient::connect(int port, const std::string& username, const std::string& password,
                         std::chrono::milliseconds timeout) {
  mosquitto_username_pw_set(mosq_, username.c_str(), password.c_str());
  {
    std::lock_guard lock(mu_);
    connack_ = -1;
  }
  if (mosquitto_connect(mosq_, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) return -1;
  if (!looping_) looping_ = mosquitto_loop_start(mosq_) == MOSQ_ERR_SUCCESS;
  if (!waitFor(timeout, [this] { return connack_ >= 0; })) return -1;
  std::lock_guard lock(mu_);
  return connack_;
}

int PhoneClient::subscribe(const std::string& filter, int qos, std::chrono::milliseconds timeout) {
  int mid = 0;
  if (mosquitto_subscribe_v5(mosq_, &mid, filter.c_str(), qos, 0, nullptr) != MOSQ_ERR_SUCCESS)
    return -1;
  if (!waitFor(timeout, [&] { return subacks_.count(mid) > 0; })) return -1;
  std::lock_guard lock(mu_);
  return subacks_[mid];
}

int PhoneClient::publish(const std::string& topic, const std::string& payload,
                         std::optional<std::string> response_topic,
                         std::optional<std::string> correlation,
                         std::chrono::milliseconds timeout) {
  mosquitto_property* props = nullptr;
  if (response_topic)
    mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, response_topic->c_str());
  if (correlation)
    mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, correlation->data(),
                                  static_cast<uint16_t>(correlation->size()));
  int mid = 0;
  int rc = mosquitto_publish_v5(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                payload.data(), 1, false, props);
  mosquitto_property_free_all(&props);
  if (rc != MOSQ_ERR_SUCCESS) return -1;
  if (!waitFor(timeout, [&] { return pubacks_.count(mid) > 0; })) return -1;
  std::lock_guard lock(mu_);
  return pubacks_[mid];
}

bool PhoneClient::publishAsync(const std::string& topic, const std::string& payload,
                               std::optional<std::string> correlation) {
  mosquitto_property* props = nullptr;
  if (correlation)
    mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, correlation->data(),
                                  static_cast<uint16_t>(correlation->size()));
  int rc = mosquitto_publish_v5(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                payload.data(), 1, false, props);
  mosquitto_property_free_all(&props);
  return rc == MOSQ_ERR_SUCCESS;
}

std::optional<Received> PhoneClient::next(const std::string& topic,
                                          std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  std::optional<Received> found;
  changed_.wait_for(lock, timeout, [&] {
    for (auto it = inbox_.begin(); it != inbox_.end(); ++it) {
      if (it->topic == topic) {
        found = std::move(*it);
        inbox_.erase(it);
        return true;
      }
    }
    return false;
  });
  return found;
}

std::optional<Received> PhoneClient::nextAny(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!changed_.wait_for(lock, timeout, [&] { return !inbox_.empty(); })) return std::nullopt;
  Received r = std::move(inbox_.front());
  inbox_.pop_front();
  return r;
}

bool PhoneClient::waitDisconnected(std::chrono::milliseconds timeout) {
  return waitFor(timeout, [this] { return disconnects_ > 0; });
}

void PhoneClient::disconnect() {
  if (!looping_) return;
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, true);
  looping_ = false;
}

}  // namespace yard::mqtt_test
