#include "mqtt_transport.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <mutex>
#include <random>
#include <thread>

#include "yard/secret_file.hpp"

namespace yard::transport_mqtt {
namespace {

using Clock = std::chrono::steady_clock;

// The broker forgets the node's session this long after it goes away: long enough to ride out
// a WAN outage with an answer queued in it, short enough not to pile up answers of a node that
// is gone for good.
constexpr uint32_t kSessionExpiryS = 7 * 24 * 3600;
constexpr int kKeepaliveS = 60;
// The hub's default [http] max_request_bytes: a larger request would only be refused there.
constexpr size_t kMaxRequestBytes = 8 << 20;
// How long a call keeps reconnecting after its connection dropped: a broker restart takes a
// second or two; a WAN that went down is the round's to back off from.
constexpr auto kReconnectFor = std::chrono::seconds(5);

std::mt19937_64& rng() {
  thread_local std::mt19937_64 r{std::random_device{}()};
  return r;
}

std::string randomCorrelation() {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) out += kHex[rng()() & 15];
  return out;
}

int msLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

}  // namespace

MqttTransport::MqttTransport(sdk::Host host, BrokerAddress broker, const std::string& site,
                             const std::string& device, int timeout_s)
    : host_(host),
      broker_(std::move(broker)),
      device_(device),
      request_topic_(nodePrefix(site, device) + "sync/req"),
      response_topic_(nodePrefix(site, device) + "sync/resp"),
      client_id_(nodeClientId(device)),
      timeout_s_(timeout_s) {}

MqttTransport::~MqttTransport() {
  if (mosq_ != nullptr) {
    if (connected_) {
      mosquitto_disconnect_v5(mosq_, MQTT_RC_NORMAL_DISCONNECTION, nullptr);
      mosquitto_loop(mosq_, 100, 1);  // flush the DISCONNECT
    }
    mosquitto_destroy(mosq_);
  }
  mosquitto_property_free_all(&connect_props_);
}

yard_rc MqttTransport::open(const sdk::Host& host, std::unique_ptr<MqttTransport>& out,
                            yard_error* err) {
  std::string why;
  auto broker = parseBrokerUrl(host.config("url", ""), why);
  if (!broker) return sdk::fail(err, YARD_INVALID, why);
  const std::string device = host.config("device", "");
  const std::string site = host.config("site", "");
  if (device.empty() || site.empty())
    return sdk::fail(err, YARD_INVALID, "the host gave no device or site");
  const std::string token_file = host.config("token_file", "");
  if (token_file.empty()) return sdk::fail(err, YARD_INVALID, "token_file is required");
  const std::string password = sdk::readSecretFile(token_file, "token_file", why);
  if (password.empty()) return sdk::fail(err, YARD_INVALID, why);
  int timeout_s = 30;
  if (auto t = host.config("timeout_s")) timeout_s = std::max(1, std::atoi(t->c_str()));

  static std::once_flag init;
  std::call_once(init, [] { mosquitto_lib_init(); });
  std::unique_ptr<MqttTransport> t(new MqttTransport(host, *broker, site, device, timeout_s));
  if (yard_rc rc = t->configure(password, err); rc != YARD_OK) return rc;
  host.info("upstream " + std::string(broker->tls ? "mqtts://" : "mqtt://") + broker->host + ":" +
            std::to_string(broker->port) + " as " + device);
  out = std::move(t);
  return YARD_OK;
}

yard_rc MqttTransport::configure(const std::string& password, yard_error* err) {
  mosq_ = mosquitto_new(client_id_.c_str(), /*clean_session=*/false, this);
  if (mosq_ == nullptr) return sdk::fail(err, YARD_PERMANENT, "cannot create an MQTT client");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  // The broker authenticates nodes as it does phones: username = device id, password = token.
  mosquitto_username_pw_set(mosq_, device_.c_str(), password.c_str());
  mosquitto_property_add_int32(&connect_props_, MQTT_PROP_SESSION_EXPIRY_INTERVAL, kSessionExpiryS);
  if (broker_.tls) {
    const std::string ca = host_.config("ca_file", "");
    const std::string cert = host_.config("client_cert", "");
    const std::string key = host_.config("client_key", cert);
    if (ca.empty()) mosquitto_int_option(mosq_, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
    int rc = mosquitto_tls_set(mosq_, ca.empty() ? nullptr : ca.c_str(), nullptr,
                               cert.empty() ? nullptr : cert.c_str(),
                               cert.empty() ? nullptr : key.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS)
      return sdk::fail(err, YARD_INVALID,
                       "TLS setup failed: cannot read ca_file, client_cert or client_key (" +
                           std::string(mosquitto_strerror(rc)) + ")");
    rc = mosquitto_tls_opts_set(mosq_, 1, "tlsv1.2", nullptr);
    if (rc != MOSQ_ERR_SUCCESS)
      return sdk::fail(err, YARD_INVALID,
                       std::string("TLS options refused: ") + mosquitto_strerror(rc));
  }
  mosquitto_connect_v5_callback_set(
      mosq_, [](mosquitto*, void* self, int reason, int, const mosquitto_property*) {
        static_cast<MqttTransport*>(self)->onConnect(reason);
      });
  mosquitto_message_v5_callback_set(
      mosq_, [](mosquitto*, void* self, const mosquitto_message* m, const mosquitto_property* p) {
        static_cast<MqttTransport*>(self)->onMessage(m, p);
      });
  return YARD_OK;
}

void MqttTransport::onConnect(int reason) { connack_ = reason; }

void MqttTransport::onMessage(const mosquitto_message* m, const mosquitto_property* props) {
  if (m->topic == nullptr || response_topic_ != m->topic) return;
  void* corr = nullptr;
  uint16_t corr_len = 0;
  if (!mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &corr, &corr_len, false))
    return;
  // An answer to an earlier request (sent again, or before a restart) is not this one's.
  const bool ours = std::string(static_cast<const char*>(corr), corr_len) == waiting_for_;
  std::free(corr);
  if (ours && !waiting_for_.empty())
    answer_.emplace(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen));
}

yard_rc MqttTransport::connectOnce(Deadline deadline, yard_error* err) {
  const std::string where = broker_.host + ":" + std::to_string(broker_.port);
  connected_ = false;
  connack_ = -1;
  int rc = mosquitto_connect_bind_v5(mosq_, broker_.host.c_str(), broker_.port, kKeepaliveS,
                                     nullptr, connect_props_);
  if (rc != MOSQ_ERR_SUCCESS)
    return sdk::fail(err, rc == MOSQ_ERR_TLS ? YARD_PERMANENT : YARD_RETRY,
                     "cannot reach broker " + where + ": " + mosquitto_strerror(rc));
  while (connack_ < 0 && Clock::now() < deadline) {
    rc = mosquitto_loop(mosq_, std::min(100, msLeft(deadline)), 1);
    if (rc != MOSQ_ERR_SUCCESS && connack_ < 0)
      return sdk::fail(err, YARD_RETRY,
                       "broker " + where + " closed the connection: " + mosquitto_strerror(rc));
  }
  if (connack_ < 0) {
    mosquitto_disconnect(mosq_);
    return sdk::fail(err, YARD_RETRY, "broker " + where + " did not answer CONNECT in time");
  }
  if (yard_rc cls = classifyConnack(connack_); cls != YARD_OK)
    return sdk::fail(err, cls,
                     "broker " + where + " refused the node: " + mosquitto_reason_string(connack_));
  // Subscribed on every connect: the broker forgets a session when it restarts without
  // persistence. Sent before any request, so it is in place before the hub answers.
  mosquitto_subscribe_v5(mosq_, nullptr, response_topic_.c_str(), 1, 0, nullptr);
  connected_ = true;
  return YARD_OK;
}

yard_rc MqttTransport::reconnect(Deadline deadline, yard_error* err) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int attempt = 1;; ++attempt) {
    const yard_rc rc = connectOnce(deadline, err);
    if (rc != YARD_RETRY) return rc;
    const int64_t wait = reconnectDelayMs(attempt, unit(rng()));
    if (wait >= msLeft(deadline)) return rc;
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
}

bool MqttTransport::pump(Deadline deadline) {
  while (!answer_ && Clock::now() < deadline) {
    if (mosquitto_loop(mosq_, std::min(100, msLeft(deadline)), 1) != MOSQ_ERR_SUCCESS) {
      connected_ = false;
      return answer_.has_value();
    }
  }
  return true;
}

yard_rc MqttTransport::sync(const char* request, size_t len, yard_text_fn fn, void* ctx,
                            yard_error* err) {
  if (len > kMaxRequestBytes)
    return sdk::fail(err, YARD_PERMANENT, "request larger than the hub accepts");
  const Deadline deadline = Clock::now() + std::chrono::seconds(timeout_s_);
  waiting_for_ = randomCorrelation();
  answer_.reset();
  // A connection that drops during the call is worth reconnecting to at once, for a while (a
  // broker restart); a broker that cannot be reached at the start of the call is the host's to
  // back off from.
  std::optional<Deadline> reconnect_until;
  while (!answer_) {
    if (!connected_) {
      const yard_rc rc =
          reconnect_until ? reconnect(*reconnect_until, err) : connectOnce(deadline, err);
      if (rc != YARD_OK) return rc;
    }
    mosquitto_property* props = nullptr;
    mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, response_topic_.c_str());
    mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, waiting_for_.data(),
                                  static_cast<uint16_t>(waiting_for_.size()));
    const int rc = mosquitto_publish_v5(mosq_, nullptr, request_topic_.c_str(),
                                        static_cast<int>(len), request, 1, false, props);
    mosquitto_property_free_all(&props);
    if (rc == MOSQ_ERR_SUCCESS) {
      host_.count("sync_bytes_sent", static_cast<double>(len));
      if (pump(deadline) && !answer_)
        return sdk::fail(err, YARD_RETRY,
                         "no answer from upstream within " + std::to_string(timeout_s_) + " s");
    } else {
      connected_ = false;
    }
    if (!answer_) {
      if (!reconnect_until) reconnect_until = std::min(deadline, Clock::now() + kReconnectFor);
      if (msLeft(deadline) == 0)
        return sdk::fail(err, YARD_RETRY, "the connection to the broker was lost");
    }
  }
  waiting_for_.clear();
  const std::string answer = std::move(*answer_);
  answer_.reset();
  host_.count("sync_bytes_received", static_cast<double>(answer.size()));
  std::string message;
  if (auto rc = classifyAnswer(answer, message)) return sdk::fail(err, *rc, message);
  fn(ctx, answer.c_str());
  return YARD_OK;
}

yard_rc MqttTransport::probe(yard_error* err) {
  if (connected_) return YARD_OK;
  const yard_rc rc = connectOnce(Clock::now() + std::chrono::seconds(timeout_s_), err);
  return rc == YARD_OK ? YARD_OK : YARD_RETRY;
}

}  // namespace yard::transport_mqtt
