#include "client/mqtt_channel.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <cstdlib>

namespace yard::device {
namespace {

constexpr int kKeepAliveSeconds = 30;

}  // namespace

MqttChannel::MqttChannel(MqttOptions options)
    : options_(std::move(options)),
      prefix_("yard/v1/" + options_.site + "/dev/" + options_.device + "/") {}

Result<std::unique_ptr<MqttChannel>> MqttChannel::connect(MqttOptions options) {
  static const int init = mosquitto_lib_init();
  (void)init;
  std::unique_ptr<MqttChannel> ch(new MqttChannel(std::move(options)));
  MqttChannel* self = ch.get();
  // Clean start: the phone's state is its SQLite, not a broker session; a request lost with
  // an old session is sent again by the next sync.
  ch->mosq_ = mosquitto_new(nullptr, true, self);
  if (!ch->mosq_) return Status::permanent("mosquitto_new failed");
  mosquitto_int_option(ch->mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_int_option(ch->mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_username_pw_set(ch->mosq_, self->options_.device.c_str(), self->options_.token.c_str());
  mosquitto_connect_v5_callback_set(
      ch->mosq_, [](mosquitto*, void* obj, int rc, int, const mosquitto_property*) {
        static_cast<MqttChannel*>(obj)->onConnect(rc);
      });
  mosquitto_message_v5_callback_set(ch->mosq_, [](mosquitto*, void* obj, const mosquitto_message* m,
                                                  const mosquitto_property* props) {
    std::string correlation;
    void* data = nullptr;
    uint16_t len = 0;
    if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &data, &len, false)) {
      correlation.assign(static_cast<const char*>(data), len);
      std::free(data);
    }
    std::string payload(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen));
    static_cast<MqttChannel*>(obj)->onMessage(m->topic, std::move(payload), std::move(correlation));
  });
  mosquitto_reconnect_delay_set(ch->mosq_, 1, 10, true);
  int rc = mosquitto_connect_bind_v5(ch->mosq_, self->options_.host.c_str(), self->options_.port,
                                     kKeepAliveSeconds, nullptr, nullptr);
  if (rc != MOSQ_ERR_SUCCESS)
    return Status::retry("broker unreachable: " + std::string(mosquitto_strerror(rc)));
  if (mosquitto_loop_start(ch->mosq_) != MOSQ_ERR_SUCCESS)
    return Status::permanent("cannot start the MQTT network thread");
  std::unique_lock lock(ch->mu_);
  if (!ch->changed_.wait_for(lock, ch->options_.timeout, [&] { return ch->connack_ >= 0; }))
    return Status::retry("the broker did not answer CONNECT");
  if (ch->connack_ != 0)
    return Status::permanent("the broker refused the phone's credentials (CONNACK " +
                             std::to_string(ch->connack_) + ")");
  lock.unlock();
  return ch;
}

MqttChannel::~MqttChannel() {
  if (!mosq_) return;
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  mosquitto_destroy(mosq_);
}

void MqttChannel::onConnect(int rc) {
  if (rc == 0) {
    // Subscriptions do not outlive a clean session: renew them on every (re)connect.
    const std::string own = prefix_ + "#";
    const std::string state = "yard/v1/" + options_.site + "/gateway/state";
    // No local: the broker does not echo the phone's own requests back to it.
    mosquitto_subscribe_v5(mosq_, nullptr, own.c_str(), 1, MQTT_SUB_OPT_NO_LOCAL, nullptr);
    mosquitto_subscribe_v5(mosq_, nullptr, state.c_str(), 1, 0, nullptr);
  }
  std::lock_guard lock(mu_);
  connack_ = rc;
  changed_.notify_all();
}

void MqttChannel::onMessage(const std::string& topic, std::string payload,
                            std::string correlation) {
  bytes_down_ += static_cast<int64_t>(payload.size());
  if (topic == prefix_ + "notify") {
    notified_ = true;
    return;
  }
  if (topic == "yard/v1/" + options_.site + "/gateway/state") {
    gateway_online_ = payload == "online";
    return;
  }
  if ((topic != prefix_ + "replies" && topic != prefix_ + "sync/resp") || correlation.empty())
    return;
  std::lock_guard lock(mu_);
  answers_[correlation] = std::move(payload);
  changed_.notify_all();
}

Result<core::Json> MqttChannel::exchange(const core::Json& request) {
  std::string correlation;
  {
    std::lock_guard lock(mu_);
    correlation = std::to_string(++next_correlation_);
  }
  const std::string payload = request.dump();
  const std::string req_topic = prefix_ + "sync/req";
  const std::string reply_topic = prefix_ + "replies";
  mosquitto_property* props = nullptr;
  mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, reply_topic.c_str());
  mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, correlation.data(),
                                static_cast<uint16_t>(correlation.size()));
  int rc = mosquitto_publish_v5(mosq_, nullptr, req_topic.c_str(), static_cast<int>(payload.size()),
                                payload.data(), 1, false, props);
  mosquitto_property_free_all(&props);
  if (rc != MOSQ_ERR_SUCCESS)
    return Status::retry("MQTT publish failed: " + std::string(mosquitto_strerror(rc)));
  bytes_up_ += static_cast<int64_t>(payload.size());
  std::unique_lock lock(mu_);
  if (!changed_.wait_for(lock, options_.timeout, [&] { return answers_.count(correlation) > 0; }))
    return Status::retry("no answer from the gateway over MQTT");
  auto json = core::Json::parse(answers_[correlation], nullptr, false);
  answers_.erase(correlation);
  // Answers to requests that timed out earlier are dropped rather than kept for ever.
  std::erase_if(answers_,
                [&](const auto& kv) { return std::stoull(kv.first) < std::stoull(correlation); });
  lock.unlock();
  if (!json.is_object()) return Status::retry("the gateway's MQTT answer is not a JSON object");
  if (auto error = json.find("error"); error != json.end() && error->is_string()) {
    std::string message = error->get<std::string>() + ": " + json.value("message", "");
    if (*error == "unavailable") return Status::retry(message);
    return Status::permanent(message);
  }
  return json;
}

}  // namespace yard::device
