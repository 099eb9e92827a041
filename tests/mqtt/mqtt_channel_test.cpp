// The MQTT device channel end to end (DESIGN §5): a real Mosquitto with our auth plugin, the
// real daemon, and libmosquitto clients playing phones.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <thread>

#include "harness/daemon_process.h"
#include "harness/mosquitto_broker.h"
#include "harness/mqtt_upstream.h"
#include "harness/phone_client.h"
#include "harness/sync_client.h"
#include "harness/upstream_topology.h"

using namespace yard::it;
using namespace yard::mqtt_test;

namespace {

const std::string kSite = "yard-a";
const std::string kRoot = "yard/v1/yard-a/";

std::string req(const std::string& device) { return kRoot + "dev/" + device + "/sync/req"; }
std::string resp(const std::string& device) { return kRoot + "dev/" + device + "/sync/resp"; }
std::string notify(const std::string& device) { return kRoot + "dev/" + device + "/notify"; }
const std::string kState = kRoot + "gateway/state";

// One site: a broker, a gateway connected to it as its privileged user, an admin client.
struct Site {
  MosquittoBroker broker;
  std::string password_file = broker.dir() + "/gateway.password";
  DaemonProcess gateway{[this] {
    std::ofstream(password_file) << "gw-secret-for-tests\n";
    DaemonConfig c;
    c.site = kSite;
    c.settings = {{"mqtt.enabled", "true"},
                  {"mqtt.host", "127.0.0.1"},
                  {"mqtt.port", std::to_string(broker.port())},
                  {"mqtt.username", "yard-gateway"},
                  {"mqtt.password_file", password_file}};
    return c;
  }()};
  std::optional<HttpClient> admin;

  Site() {
    gateway.start();
    broker.start({gateway.dataDir() + "/yard.db", kSite, "yard-gateway", password_file});
    admin.emplace(adminClient(gateway));
    REQUIRE(waitMqtt(true));
  }

  bool waitMqtt(bool connected) { return waitMqttState(*admin, connected); }

  Enrolment enroll(const std::string& id, const std::string& op) {
    return enrollDevice(*admin, id, kSite, op);
  }
};

// A phone connected and subscribed to all of its own topics.
std::unique_ptr<PhoneClient> phone(Site& site, const Enrolment& device,
                                   PhoneClient::Protocol protocol) {
  auto p = std::make_unique<PhoneClient>("phone-" + device.id, protocol);
  REQUIRE(p->connect(site.broker.port(), device.id, device.token) == 0);
  REQUIRE(p->subscribe(kRoot + "dev/" + device.id + "/#") == 1);
  return p;
}

Json requestOf(Site& site, const Enrolment& device, std::vector<Json> writes = {}) {
  return SyncClient(site.gateway.port(), device).request(std::move(writes));
}

Json parse(const std::optional<Received>& r) {
  REQUIRE(r);
  return Json::parse(r->payload);
}

}  // namespace

TEST_CASE("sync over MQTT 5 answers on the response topic with the correlation data") {
  Site site;
  auto dev = site.enroll("dev-5", "op-1");
  auto p = phone(site, dev, PhoneClient::Protocol::kV5);

  auto write = createWrite("inspection", inspectionBody("TRLU4411"));
  const std::string own_reply = kRoot + "dev/dev-5/replies/1";
  REQUIRE(p->publish(req("dev-5"), requestOf(site, dev, {write}).dump(), own_reply, "corr-1") == 0);
  auto answer = p->next(own_reply);
  REQUIRE(answer);
  CHECK(answer->correlation == std::optional<std::string>("corr-1"));
  Json body = Json::parse(answer->payload);
  REQUIRE(body["results"].size() == 1);
  CHECK(body["results"][0]["status"] == "accepted");

  // The same record is canonical over HTTP: one SyncService behind both channels.
  auto pulled = SyncClient(site.gateway.port(), dev).pullAll();
  REQUIRE(pulled.size() == 1);
  CHECK(pulled[0]["id"] == write["id"]);

  // A response topic outside the device's own prefix is not honoured.
  auto other = site.enroll("dev-6", "op-2");
  auto victim = phone(site, other, PhoneClient::Protocol::kV5);
  REQUIRE(p->publish(req("dev-5"), requestOf(site, dev).dump(), resp("dev-6"), "corr-2") == 0);
  auto fallback = p->next(resp("dev-5"));
  REQUIRE(fallback);
  CHECK(fallback->correlation == std::optional<std::string>("corr-2"));
  CHECK_FALSE(victim->next(resp("dev-6"), std::chrono::milliseconds(500)));
}

TEST_CASE("sync over MQTT 3.1.1 echoes corr; garbage and wrong devices get JSON errors") {
  Site site;
  auto dev = site.enroll("dev-3", "op-1");
  auto p = phone(site, dev, PhoneClient::Protocol::kV311);

  Json request = requestOf(site, dev, {createWrite("inspection", inspectionBody("MSCU1"))});
  request["corr"] = "c-17";
  REQUIRE(p->publish(req("dev-3"), request.dump()) == 0);
  Json ok = parse(p->next(resp("dev-3")));
  CHECK(ok["corr"] == "c-17");
  REQUIRE(ok["results"].size() == 1);
  CHECK(ok["results"][0]["status"] == "accepted");

  REQUIRE(p->publish(req("dev-3"), "{not json") == 0);
  Json garbage = parse(p->next(resp("dev-3")));
  CHECK(garbage["error"] == "bad_json");
  CHECK(garbage["message"].is_string());

  Json deep = Json::array();
  for (int i = 0; i < 100; ++i) deep = Json::array({deep});
  REQUIRE(p->publish(req("dev-3"), deep.dump()) == 0);
  CHECK(parse(p->next(resp("dev-3")))["error"] == "bad_json");

  Json wrong = requestOf(site, dev);
  wrong["device"] = "dev-other";
  wrong["corr"] = 9;
  REQUIRE(p->publish(req("dev-3"), wrong.dump()) == 0);
  Json forbidden = parse(p->next(resp("dev-3")));
  CHECK(forbidden["error"] == "forbidden");
  CHECK(forbidden["corr"] == 9);

  // Too large for max_request_bytes (default 8 MiB): refused, nothing applied.
  Json big = requestOf(site, dev, {createWrite("inspection", inspectionBody("BIG1"))});
  big["writes"][0]["body"]["notes"] = std::string(9 << 20, 'x');
  REQUIRE(p->publish(req("dev-3"), big.dump()) == 0);
  CHECK(parse(p->next(resp("dev-3"), std::chrono::seconds(30)))["error"] == "too_large");
  CHECK(SyncClient(site.gateway.port(), dev).pullAll().size() == 1);
}

TEST_CASE("a phone is notified when another device writes over HTTP") {
  Site site;
  auto watcher = site.enroll("dev-w", "op-1");
  auto writer = site.enroll("dev-h", "op-2");
  auto p = phone(site, watcher, PhoneClient::Protocol::kV5);

  SyncClient http(site.gateway.port(), writer);
  http.sync(
      {createWrite("gate_event", {{"direction", "in"}, {"equipment_id", "E1"}, {"lane", "3"}})});
  auto n = p->next(notify("dev-w"), std::chrono::seconds(5));
  REQUIRE(n);
  CHECK_FALSE(p->next(notify("dev-w"), std::chrono::milliseconds(600)));  // one per window

  // A record assigned to another operator is not this phone's business, but its assignee's.
  auto assignee = site.enroll("dev-9", "op-9");
  auto p9 = phone(site, assignee, PhoneClient::Protocol::kV5);
  auto assigned = createWrite("inspection", inspectionBody("X1"));
  assigned["assigned_to"] = Json::array({"op-9"});
  http.sync({assigned});
  CHECK(p9->next(notify("dev-9"), std::chrono::seconds(5)));
  CHECK_FALSE(p->next(notify("dev-w"), std::chrono::seconds(1)));
}

TEST_CASE("the broker holds devices to their own credentials and topics") {
  Site site;
  auto a = site.enroll("dev-a", "op-1");
  auto b = site.enroll("dev-b", "op-2");

  PhoneClient wrong("wrong-pw", PhoneClient::Protocol::kV5);
  CHECK(wrong.connect(site.broker.port(), "dev-a", a.token + "x") != 0);
  PhoneClient unknown("unknown", PhoneClient::Protocol::kV311);
  CHECK(unknown.connect(site.broker.port(), "dev-zz", a.token) != 0);
  PhoneClient impostor("impostor", PhoneClient::Protocol::kV311);
  CHECK(impostor.connect(site.broker.port(), "yard-gateway", "guess") != 0);

  auto pa = phone(site, a, PhoneClient::Protocol::kV5);
  auto pb = phone(site, b, PhoneClient::Protocol::kV5);
  CHECK(pa->subscribe(kRoot + "dev/dev-b/#") >= 128);
  CHECK(pa->subscribe(kRoot + "dev/+/sync/req") >= 128);
  CHECK(pa->subscribe("#") >= 128);
  CHECK(pa->subscribe(kState) == 1);

  // dev-a speaking as dev-b: the broker refuses (MQTT 5 reason 135), the gateway never answers.
  CHECK(pa->publish(req("dev-b"), requestOf(site, b).dump()) == 135);
  CHECK_FALSE(pb->next(resp("dev-b"), std::chrono::milliseconds(800)));
  CHECK(pa->publish(kState, "offline") == 135);

  REQUIRE(pa->publish(req("dev-a"), requestOf(site, a).dump()) == 0);
  CHECK(pa->next(resp("dev-a")));

  // Revoked: a connected phone is kicked, and it cannot come back.
  REQUIRE(site.admin->del("/v1/admin/devices/dev-b").status == 200);
  CHECK(pb->waitDisconnected(std::chrono::seconds(5)));
  PhoneClient again("again", PhoneClient::Protocol::kV5);
  CHECK(again.connect(site.broker.port(), "dev-b", b.token) != 0);
  // dev-a is untouched (kicking dev-b must not cut other connections).
  REQUIRE(pa->publish(req("dev-a"), requestOf(site, a).dump()) == 0);
  CHECK(pa->next(resp("dev-a")));
}

TEST_CASE("gateway state is retained: online, and offline by Last Will after kill -9") {
  Site site;
  auto dev = site.enroll("dev-s", "op-1");
  PhoneClient p("watch-state", PhoneClient::Protocol::kV311);
  REQUIRE(p.connect(site.broker.port(), dev.id, dev.token) == 0);
  REQUIRE(p.subscribe(kState) == 1);
  auto online = p.next(kState);
  REQUIRE(online);
  CHECK(online->payload == "online");
  CHECK(online->retain);

  site.gateway.kill9();
  auto offline = p.next(kState);
  REQUIRE(offline);
  CHECK(offline->payload == "offline");

  site.gateway.restart();
  auto back = p.next(kState, std::chrono::seconds(20));
  REQUIRE(back);
  CHECK(back->payload == "online");
}

TEST_CASE("requests sent while the gateway is down are answered when it returns") {
  Site site;
  auto dev = site.enroll("dev-q", "op-1");
  auto p = phone(site, dev, PhoneClient::Protocol::kV311);
  REQUIRE(site.gateway.terminate() == 0);

  std::vector<Json> writes;
  for (int i = 0; i < 5; ++i) {
    writes.push_back(createWrite("inspection", inspectionBody("Q" + std::to_string(i))));
    Json request = requestOf(site, dev, {writes.back()});
    request["corr"] = i;
    REQUIRE(p->publish(req("dev-q"), request.dump()) == 0);
  }
  site.gateway.restart();
  std::set<int> answered;
  for (int i = 0; i < 5; ++i) {
    Json a = parse(p->next(resp("dev-q"), std::chrono::seconds(20)));
    CHECK(a["results"][0]["status"] == "accepted");
    answered.insert(a["corr"].get<int>());
  }
  CHECK(answered == std::set<int>{0, 1, 2, 3, 4});
}

TEST_CASE("the gateway reconnects by itself after a broker restart") {
  Site site;
  auto dev = site.enroll("dev-r", "op-1");
  site.broker.kill9();
  REQUIRE(site.waitMqtt(false));
  site.broker.restart();
  REQUIRE(site.waitMqtt(true));
  CHECK(site.admin->get("/v1/status").json["mqtt"]["connects"] == 2);
  auto p = phone(site, dev, PhoneClient::Protocol::kV5);
  REQUIRE(p->publish(req("dev-r"), requestOf(site, dev).dump()) == 0);
  CHECK(parse(p->next(resp("dev-r")))["results"].is_array());
}

TEST_CASE("a phone is notified when an upstream pull brings a change for it") {
  UpstreamTopology topology(kSite);
  MosquittoBroker broker;
  const std::string password_file = broker.dir() + "/gateway.password";
  std::ofstream(password_file) << "gw-secret-for-tests\n";
  DaemonProcess& gateway =
      topology.addGateway("gw-m", {{"mqtt.enabled", "true"},
                                   {"mqtt.port", std::to_string(broker.port())},
                                   {"mqtt.username", "yard-gateway"},
                                   {"mqtt.password_file", password_file}});
  broker.start({gateway.dataDir() + "/yard.db", kSite, "yard-gateway", password_file});
  HttpClient admin = adminClient(gateway);
  REQUIRE(waitMqttState(admin, true));
  auto dev = enrollDevice(admin, "dev-u", kSite, "op-1");
  PhoneClient p("phone-dev-u", PhoneClient::Protocol::kV311);
  REQUIRE(p.connect(broker.port(), dev.id, dev.token) == 0);
  REQUIRE(p.subscribe(notify("dev-u")) == 1);

  // Head office assigns work: written at the hub, it reaches the site only by the pull.
  HttpClient hub_admin = adminClient(topology.hub());
  SyncClient office(topology.hub().port(), enrollDevice(hub_admin, "office-1", kSite, "op-9"));
  office.sync(
      {createWrite("gate_event", {{"direction", "out"}, {"equipment_id", "E7"}, {"lane", "1"}})});
  topology.syncAndWait("gw-m");
  CHECK(p.next(notify("dev-u"), std::chrono::seconds(5)));
}
