#include "harness/mqtt_upstream.h"

#include <cstdlib>
#include <fstream>
#include <thread>

#include "harness/https_client.h"

namespace yard::mqtt_test {

void MqttUpstreamLink::configureHub(it::DaemonConfig& config) {
  site_ = config.site;
  const std::string password_file = broker_.dir() + "/hub.password";
  std::ofstream(password_file) << kHubBrokerPassword << "\n";
  config.settings["mqtt.enabled"] = "true";
  config.settings["mqtt.host"] = "127.0.0.1";
  config.settings["mqtt.port"] = std::to_string(broker_.port());
  config.settings["mqtt.username"] = kHubBrokerUser;
  config.settings["mqtt.password_file"] = password_file;
}

void MqttUpstreamLink::hubStarted(it::DaemonProcess& hub) {
  // The plugin reads the devices the hub enrols from the hub's database.
  BrokerConfig config{hub.dataDir() + "/yard.db", site_, kHubBrokerUser,
                      broker_.dir() + "/hub.password"};
  if (tls_) {
    it::makeSelfSignedCertificate(broker_.dir(), "broker");
    config.tls_cert = certificate();
    config.tls_key = broker_.dir() + "/broker.key";
  }
  broker_.start(config);
  it::HttpClient admin = it::adminClient(hub);
  if (!waitMqttState(admin, true))
    throw std::runtime_error("the hub did not connect to the broker");
}

void MqttUpstreamLink::configureGateway(std::map<std::string, std::string>& settings,
                                        int proxy_port) {
  settings["upstream.transport"] = "mqtt";
  settings["upstream.url"] =
      std::string(tls_ ? "mqtts" : "mqtt") + "://127.0.0.1:" + std::to_string(proxy_port);
  if (tls_ && !settings.count("upstream.ca_file")) settings["upstream.ca_file"] = certificate();
}

std::unique_ptr<it::UpstreamLink> upstreamLinkFromEnvironment() {
  const char* name = std::getenv("YARD_UPSTREAM_TRANSPORT");
  if (name != nullptr && std::string(name) == "mqtt") return std::make_unique<MqttUpstreamLink>();
  return std::make_unique<it::UpstreamLink>();
}

bool waitMqttState(it::HttpClient& admin, bool connected) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto status = admin.get("/v1/status");
    if (status.status == 200 && status.json["mqtt"].value("connected", !connected) == connected)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace yard::mqtt_test
