// The https transport verifies the hub's certificate (DESIGN §7): against the configured CA it
// syncs; with a CA that did not sign the hub's certificate it refuses, and the status page says
// so in words instead of "connected".
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "harness/daemon_process.h"
#include "harness/https_client.h"
#include "harness/sync_client.h"

using namespace yard::it;

namespace {

Json statusOf(DaemonProcess& gateway) {
  HttpClient admin = adminClient(gateway);
  return admin.get("/v1/status").json;
}

// Starts a gateway syncing to the TLS hub with ca_file, after enrolling it there.
std::unique_ptr<DaemonProcess> gatewayTrusting(DaemonProcess& hub, const std::string& node_id,
                                               const std::string& ca_file) {
  auto enrolled = httpsRequest(hub.port(), "POST", "/v1/admin/devices", hub.adminToken(),
                               Json{{"id", node_id}, {"site", "yard-a"}, {"node", true}});
  REQUIRE(enrolled.status == 201);
  DaemonConfig config;
  config.node_id = node_id;
  auto gateway = std::make_unique<DaemonProcess>(config);
  const std::string token_file = gateway->dir() + "/upstream.token";
  std::ofstream(token_file) << enrolled.json.at("token").get<std::string>() << "\n";
  ::chmod(token_file.c_str(), 0600);
  auto& s = gateway->config().settings;
  s["upstream.transport"] = "https";
  s["upstream.url"] = "https://127.0.0.1:" + std::to_string(hub.port());
  s["upstream.token_file"] = token_file;
  s["upstream.ca_file"] = ca_file;
  s["upstream.interval_s"] = "3600";
  gateway->start();
  return gateway;
}

}  // namespace

TEST_CASE("https upstream: the hub's certificate is verified against ca_file") {
  DaemonConfig hub_config;
  hub_config.node_id = "hub-tls";
  hub_config.settings["node.role"] = "hub";
  DaemonProcess hub(hub_config);
  makeSelfSignedCertificate(hub.dir(), "hub");
  makeSelfSignedCertificate(hub.dir(), "other");
  hub.config().settings["http.tls_cert"] = hub.dir() + "/hub.pem";
  hub.config().settings["http.tls_key"] = hub.dir() + "/hub.key";
  hub.start();

  SECTION("trusted: a phone's write reaches the hub over TLS") {
    auto gateway = gatewayTrusting(hub, "gw-trusting", hub.dir() + "/hub.pem");
    HttpClient admin = adminClient(*gateway);
    SyncClient phone(gateway->port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));
    Json written = onlyResult(phone.sync({createWrite(
        "gate_event", Json{{"direction", "in"}, {"equipment_id", "TLS0001"}, {"lane", "1"}})}));
    REQUIRE(written.at("status") == "accepted");
    Json upstream;
    for (int i = 0; i < 200; ++i) {
      upstream = statusOf(*gateway).at("upstream");
      if (upstream.value("pushed", 0) >= 1 && upstream.value("pending", -1) == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(upstream.at("link") == "up");
    CHECK(upstream.at("pushed") == 1);
    auto at_hub = httpsRequest(hub.port(), "GET", "/v1/status", hub.adminToken());
    CHECK(at_hub.json.at("records") == 1);
  }

  SECTION("untrusted: the round is refused and the status says why") {
    auto gateway = gatewayTrusting(hub, "gw-wary", hub.dir() + "/other.pem");
    Json upstream;
    for (int i = 0; i < 200; ++i) {
      upstream = statusOf(*gateway).at("upstream");
      if (upstream.value("failures", 0) >= 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(upstream.at("link") == "refused");
    CHECK(upstream.at("last_error_permanent") == true);
    CHECK(upstream.at("last_error").get<std::string>().find("certificate") != std::string::npos);
    auto at_hub = httpsRequest(hub.port(), "GET", "/v1/status", hub.adminToken());
    CHECK(at_hub.json.at("records") == 0);
  }
}
