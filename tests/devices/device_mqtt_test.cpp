// The phone client library syncing over a real Mosquitto (with the yard auth plugin) and the
// real daemon: MQTT 5 request/response, the notify nudge, a small simulated yard over MQTT.

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include "client/http_gateway.h"
#include "client/mqtt_channel.h"
#include "client/sync_engine.h"
#include "harness/daemon_process.h"
#include "harness/mosquitto_broker.h"
#include "harness/sync_client.h"
#include "simulator/fleet.h"

using namespace yard;
using namespace yard::device;
using namespace std::chrono_literals;

TEST_CASE("phones sync over MQTT, are nudged by notify, and a yard converges over MQTT") {
  const std::string site = "yard-m";
  mqtt_test::MosquittoBroker broker;
  const std::string password_file = broker.dir() + "/gateway.password";
  std::ofstream(password_file) << "gw-secret-for-tests\n";
  it::DaemonConfig config;
  config.site = site;
  config.settings = {{"mqtt.enabled", "true"},
                     {"mqtt.host", "127.0.0.1"},
                     {"mqtt.port", std::to_string(broker.port())},
                     {"mqtt.username", "yard-gateway"},
                     {"mqtt.password_file", password_file}};
  it::DaemonProcess gw(config);
  gw.start();
  mqtt_test::BrokerConfig broker_config;
  broker_config.database = gw.dataDir() + "/yard.db";
  broker_config.site = site;
  broker_config.gateway_password_file = password_file;
  broker.start(broker_config);
  auto admin = it::adminClient(gw);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline &&
         !admin.get("/v1/status").json["mqtt"].value("connected", false))
    std::this_thread::sleep_for(100ms);

  auto open = [&](const std::string& name) {
    auto dev = it::enrollDevice(admin, name, site, "op-" + name);
    auto store = PhoneStore::open(gw.dir() + "/" + name + ".db");
    REQUIRE(store.isOk());
    REQUIRE((*store)->setIdentity({name, site, "op-" + name}).isOk());
    auto ch = MqttChannel::connect({"127.0.0.1", broker.port(), site, name, dev.token, 10s});
    REQUIRE(ch.isOk());
    return std::make_pair(std::move(store.value()), std::move(ch.value()));
  };
  auto [store_a, mqtt_a] = open("dev-a");
  auto [store_b, mqtt_b] = open("dev-b");
  SyncEngine a(*store_a, *mqtt_a, nullptr);
  SyncEngine b(*store_b, *mqtt_b, nullptr);
  Status first = b.sync(0);
  INFO(first.message());
  REQUIRE(first.isOk());
  CHECK(mqtt_a->gatewayOnline());

  auto r =
      store_a->create("gate_event", {{"direction", "in"}, {"equipment_id", "M1"}, {"lane", "2"}});
  REQUIRE(r.isOk());
  REQUIRE(a.sync(0).isOk());
  CHECK(store_a->pendingRecords() == 0);
  CHECK_FALSE(store_a->get(r->id)->stamp.empty());

  // The gateway nudges b (it may see every site record): b pulls at once.
  const auto nudge_deadline = std::chrono::steady_clock::now() + 10s;
  bool nudged = false;
  while (!nudged && std::chrono::steady_clock::now() < nudge_deadline) {
    nudged = mqtt_b->takeNotified();
    std::this_thread::sleep_for(20ms);
  }
  CHECK(nudged);
  REQUIRE(b.sync(0).isOk());
  REQUIRE(store_b->get(r->id));
  CHECK(store_b->get(r->id)->stamp == store_a->get(r->id)->stamp);
  CHECK(mqtt_a->bytesUp() > 0);

  // A wrong token is refused by the broker, not retried for ever.
  auto bad = MqttChannel::connect({"127.0.0.1", broker.port(), site, "dev-a", "ydev_wrong", 10s});
  CHECK(bad.status().code() == Code::kPermanent);

  FleetOptions o;
  o.link = {"http://127.0.0.1:" + std::to_string(gw.port()), "127.0.0.1", broker.port()};
  o.admin_token = gw.adminToken();
  o.dir = gw.dir() + "/sim";
  o.prefix = "mq";
  o.phones = 8;
  o.steps = 8;
  o.photo_bytes = 4096;
  auto summary = runFleet(o, nullptr);
  REQUIRE(summary.isOk());
  INFO(formatSummary(summary.value()));
  CHECK(summary->ok());
  CHECK(summary->sync.accepted > 0);
}
