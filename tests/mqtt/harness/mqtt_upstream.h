#pragma once

#include <memory>
#include <string>

#include "harness/mosquitto_broker.h"
#include "harness/upstream_topology.h"

namespace yard::mqtt_test {

// The hub's privileged broker user in MqttUpstreamLink.
inline constexpr const char* kHubBrokerUser = "yard-gateway";
inline constexpr const char* kHubBrokerPassword = "hub-secret-for-tests";

// Gateways reach the hub with the mqtt transport: a Mosquitto (with the yard auth plugin on the
// hub's database) stands for head office's broker, the hub answers on it ([mqtt] enabled, role
// hub), and each gateway's FaultProxy sits between the gateway and the broker.
class MqttUpstreamLink : public it::UpstreamLink {
 public:
  // tls: gateways connect with mqtts:// to a TLS listener of the broker (a self-signed
  // certificate for 127.0.0.1, given to them as ca_file unless their settings name another);
  // the hub stays on the plain listener.
  explicit MqttUpstreamLink(bool tls = false) : tls_(tls) {}
  void configureHub(it::DaemonConfig& config) override;
  void hubStarted(it::DaemonProcess& hub) override;
  int targetPort(it::DaemonProcess&) override { return tls_ ? broker_.tlsPort() : broker_.port(); }
  void configureGateway(std::map<std::string, std::string>& settings, int proxy_port) override;

  MosquittoBroker& broker() { return broker_; }
  std::string certificate() const { return broker_.dir() + "/broker.pem"; }

 private:
  bool tls_;
  MosquittoBroker broker_;
  std::string site_;
};

// The link named by YARD_UPSTREAM_TRANSPORT: "mqtt" gives MqttUpstreamLink, anything else (or
// unset) the default https one. Lets ctest run one scenario over both transports.
std::unique_ptr<it::UpstreamLink> upstreamLinkFromEnvironment();

// Whether GET /v1/status (through admin) reports the MQTT link as `connected` within 20 s.
bool waitMqttState(it::HttpClient& admin, bool connected);

}  // namespace yard::mqtt_test
