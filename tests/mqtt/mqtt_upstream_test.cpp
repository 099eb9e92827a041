// The mqtt upstream transport against a real Mosquitto that restarts while a gateway drains to
// its hub (the convergence scenario over mqtt is upstream_convergence_mqtt_test).
#include <catch2/catch.hpp>

#include <thread>

#include "harness/https_client.h"
#include "harness/mqtt_upstream.h"
#include "harness/phone_client.h"

using namespace yard::it;
using namespace yard::mqtt_test;

namespace {

const std::string kSite = "yard-a";

int64_t recordsAt(DaemonProcess& node) {
  HttpClient admin = adminClient(node);
  return admin.get("/v1/status").json.value("records", int64_t{-1});
}

std::map<std::string, size_t> auditRowsByRecord(DaemonProcess& node) {
  HttpClient admin = adminClient(node);
  std::map<std::string, size_t> out;
  for (const auto& row : listConflicts(admin)) ++out[row.at("record").get<std::string>()];
  return out;
}

}  // namespace

TEST_CASE("the broker restarts mid-drain: nothing lost, nothing audited twice") {
  auto link = std::make_unique<MqttUpstreamLink>();
  MqttUpstreamLink& mqtt = *link;
  UpstreamTopology net(kSite, std::move(link));
  net.addGateway("gw-a");
  HttpClient admin = adminClient(net.gateway("gw-a"));
  SyncClient phone(net.gateway("gw-a").port(), enrollDevice(admin, "dev-a", kSite, "op-a"));
  HttpClient hub_admin = adminClient(net.hub());
  SyncClient office(net.hub().port(), enrollDevice(hub_admin, "office-1", kSite, "op-9"));

  // Records both sides know; then the WAN drops, the site edits them and head office edits them
  // later: each of the site's edits loses at the hub (one audit row there, one notice here).
  std::vector<Json> shared;
  const Json created = phone.sync({createWrite("inspection", inspectionBody("TRLU1")),
                                   createWrite("inspection", inspectionBody("TRLU2")),
                                   createWrite("inspection", inspectionBody("TRLU3"))});
  for (const auto& r : created.at("results")) shared.push_back(r.at("record"));
  net.syncAndWait("gw-a");
  net.proxy("gw-a").setFault(FaultProxy::Fault::kRefuse);
  std::vector<Json> site_edits, office_edits;
  for (const auto& base : shared) {
    Json body = inspectionBody(base.at("body").at("equipment_id"), "filled");
    body["notes"] = "site";
    site_edits.push_back(onlyResult(phone.sync({editWrite(base, body)})).at("record"));
  }
  for (const auto& base : shared) {
    Json body = inspectionBody(base.at("body").at("equipment_id"), "filled");
    body["notes"] = "office";
    office_edits.push_back(onlyResult(office.sync({editWrite(base, body)})).at("record"));
  }
  // And a backlog large enough to be cut in the middle.
  constexpr int kBatches = 30, kPerBatch = 100;
  std::map<std::string, Json> written;
  for (int b = 0; b < kBatches; ++b) {
    std::vector<Json> writes;
    for (int i = 0; i < kPerBatch; ++i)
      writes.push_back(
          createWrite("gate_event", {{"direction", "in"},
                                     {"equipment_id", "E" + std::to_string(b * 1000 + i)},
                                     {"lane", "1"}}));
    const Json accepted = phone.sync(writes);
    for (const auto& r : accepted.at("results"))
      written[r.at("id").get<std::string>()] = r.at("record");
  }
  const int64_t before = recordsAt(net.hub());

  net.proxy("gw-a").setFault(FaultProxy::Fault::kNone);
  net.syncNow("gw-a");
  int64_t at_restart = before;
  for (int i = 0; i < 2000 && at_restart == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    at_restart = recordsAt(net.hub());
  }
  mqtt.broker().restart();
  INFO("records at the hub when the broker restarted: " << at_restart << " of "
                                                        << before + kBatches * kPerBatch);
  REQUIRE(at_restart > before);
  REQUIRE(at_restart < before + kBatches * kPerBatch);  // really mid-drain

  net.syncAndWait("gw-a", std::chrono::seconds(120));
  auto at_hub = recordsById(net.hubReader());
  CHECK(at_hub.size() == shared.size() + written.size());
  for (const auto& [id, record] : written) {
    INFO(id);
    REQUIRE(at_hub.count(id) == 1);
    CHECK(at_hub[id].at("stamp") == record.at("stamp"));
    CHECK(at_hub[id].at("origin") == record.at("origin"));
  }
  // Every retransmission was recognised by write_id: one audit row per lost edit, on each tier.
  auto hub_audit = auditRowsByRecord(net.hub());
  auto site_audit = auditRowsByRecord(net.gateway("gw-a"));
  CHECK(hub_audit.size() == shared.size());
  for (size_t i = 0; i < shared.size(); ++i) {
    const std::string id = shared[i].at("id");
    CHECK(hub_audit[id] == 1);
    CHECK(site_audit[id] == 1);
    CHECK(at_hub[id].at("stamp") == office_edits[i].at("stamp"));
  }
  CHECK(net.status("gw-a").at("upstream").at("pending") == 0);
}

TEST_CASE("the hub answers a node on its node tree; a phone can use none of it") {
  auto link = std::make_unique<MqttUpstreamLink>();
  MqttUpstreamLink& mqtt = *link;
  UpstreamTopology net(kSite, std::move(link));
  HttpClient hub_admin = adminClient(net.hub());
  const Enrolment phone_dev = enrollDevice(hub_admin, "phone-1", kSite, "op-1");
  const Enrolment node_dev = enrollDevice(hub_admin, "gw-n", kSite, "", /*node=*/true);
  const std::string req = "yard/v1/" + kSite + "/node/gw-n/sync/req";
  const std::string resp = "yard/v1/" + kSite + "/node/gw-n/sync/resp";
  const std::string body = R"({"device":"gw-n","cursor":null,"writes":[],"corr":"1"})";

  // The node itself: answered on its node tree.
  PhoneClient node("node-gw-n", PhoneClient::Protocol::kV311);
  REQUIRE(node.connect(mqtt.broker().port(), node_dev.id, node_dev.token) == 0);
  REQUIRE(node.subscribe(resp) == 1);
  REQUIRE(node.publish(req, body) == 0);
  auto answer = node.next(resp, std::chrono::seconds(10));
  REQUIRE(answer);
  CHECK(Json::parse(answer->payload)["results"].is_array());

  // A phone may neither read the node's answers nor ask in its name, nor in its own name on
  // the node tree: the broker refuses all of it (the hub would refuse a phone there too).
  PhoneClient phone("phone-1", PhoneClient::Protocol::kV311);
  REQUIRE(phone.connect(mqtt.broker().port(), phone_dev.id, phone_dev.token) == 0);
  CHECK(phone.subscribe(resp) != 1);
  const std::string own_node_req = "yard/v1/" + kSite + "/node/phone-1/sync/req";
  CHECK(phone.subscribe("yard/v1/" + kSite + "/node/phone-1/#") != 1);
  phone.publish(req, body);
  phone.publish(own_node_req, R"({"device":"phone-1","cursor":null,"writes":[],"corr":"2"})");
  CHECK_FALSE(node.next(resp, std::chrono::seconds(2)));

  // Were a request to reach the hub on the node tree in a phone's name anyway (here sent by the
  // broker's privileged user, which may publish anywhere), the hub refuses it.
  PhoneClient privileged("privileged", PhoneClient::Protocol::kV311);
  REQUIRE(privileged.connect(mqtt.broker().port(), kHubBrokerUser, kHubBrokerPassword) == 0);
  const std::string phone_resp = "yard/v1/" + kSite + "/node/phone-1/sync/resp";
  REQUIRE(privileged.subscribe(phone_resp) == 1);
  REQUIRE(privileged.publish(own_node_req,
                             R"({"device":"phone-1","cursor":null,"writes":[],"corr":"3"})") == 0);
  auto refusal = privileged.next(phone_resp, std::chrono::seconds(10));
  REQUIRE(refusal);
  CHECK(Json::parse(refusal->payload).value("error", "") == "forbidden");
}

TEST_CASE("mqtts upstream: the broker's certificate is verified against ca_file") {
  auto link = std::make_unique<MqttUpstreamLink>(/*tls=*/true);
  MqttUpstreamLink& mqtt = *link;
  UpstreamTopology net(kSite, std::move(link));
  const std::string other_ca = mqtt.broker().dir() + "/other";
  makeSelfSignedCertificate(mqtt.broker().dir(), "other");

  DaemonProcess& trusting = net.addGateway("gw-t");
  HttpClient admin = adminClient(trusting);
  SyncClient phone(trusting.port(), enrollDevice(admin, "dev-t", kSite, "op-t"));
  const Json written = onlyResult(phone.sync({createWrite("inspection", inspectionBody("T1"))}));
  net.syncAndWait("gw-t");
  CHECK(recordsById(net.hubReader()).count(written.at("id").get<std::string>()) == 1);

  // A CA that did not sign the broker's certificate: nothing goes up, and the status says why.
  DaemonProcess& wary = net.addGateway("gw-x", {{"upstream.ca_file", other_ca + ".pem"}});
  HttpClient wary_admin = adminClient(wary);
  SyncClient wary_phone(wary.port(), enrollDevice(wary_admin, "dev-x", kSite, "op-x"));
  const Json refused =
      onlyResult(wary_phone.sync({createWrite("inspection", inspectionBody("X1"))}));
  net.syncNow("gw-x");
  Json upstream;
  for (int i = 0; i < 200; ++i) {
    upstream = net.status("gw-x").at("upstream");
    if (upstream.value("failures", 0) > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(upstream.dump());
  CHECK(upstream.value("failures", 0) > 0);
  CHECK(upstream.at("link") != "up");
  CHECK_FALSE(upstream.value("last_error", std::string()).empty());
  CHECK(upstream.at("pending") == 1);
  CHECK(recordsById(net.hubReader()).count(refused.at("id").get<std::string>()) == 0);
}
