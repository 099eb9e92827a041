// The WAN misbehaves (DESIGN §2 rule 2: sync is state reconciliation, retries are harmless):
// connections cut mid-request and mid-response, delays, and a gateway killed mid-drain. Nothing
// is lost, nothing is applied twice, every tier converges.
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "harness/upstream_topology.h"

using namespace yard::it;

namespace {

// Runs rounds until the gateway drains despite faults (each failed round backs off; sync-now
// cuts the wait short).
void drainThroughFaults(UpstreamTopology& net, const std::string& node) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      net.syncAndWait(node, std::chrono::seconds(5));
      return;
    } catch (const std::runtime_error&) {
      // a faulty round: ask again
    }
  }
  FAIL(node << " never drained: " << net.status(node).dump());
}

}  // namespace

TEST_CASE("cut and delayed connections: no loss, no duplicate audit rows, convergence") {
  UpstreamTopology net;
  net.addGateway("gw-a");
  net.addGateway("gw-b");
  HttpClient admin_a = adminClient(net.gateway("gw-a"));
  HttpClient admin_b = adminClient(net.gateway("gw-b"));
  SyncClient phone_a(net.gateway("gw-a").port(), enrollDevice(admin_a, "dev-a", "yard-a", "op-a"));
  SyncClient phone_b(net.gateway("gw-b").port(), enrollDevice(admin_b, "dev-b", "yard-a", "op-b"));

  // 30 shared inspections, known to both sites.
  std::vector<Json> creates;
  for (int i = 0; i < 30; ++i)
    creates.push_back(createWrite("inspection", inspectionBody("CONT" + std::to_string(1000 + i))));
  std::vector<Json> base;
  const Json created = phone_a.sync(creates);
  for (const auto& r : created.at("results")) base.push_back(r.at("record"));
  net.syncAndWait("gw-a");
  net.syncAndWait("gw-b");

  net.proxy("gw-a").randomFaults(0.6, 11);
  net.proxy("gw-b").randomFaults(0.6, 22);
  // Three rounds of concurrent edits of every record from both sites, through the faults.
  std::set<std::string> written_ids;
  for (int round = 0; round < 3; ++round) {
    std::vector<Json> edits_a, edits_b;
    for (size_t i = 0; i < base.size(); ++i) {
      Json body = inspectionBody(base[i].at("body").at("equipment_id"), "filled");
      body["notes"] = "site A round " + std::to_string(round);
      edits_a.push_back(editWrite(base[i], body));
      body["notes"] = "site B round " + std::to_string(round);
      edits_b.push_back(editWrite(base[i], body));
    }
    const Json answer_a = phone_a.sync(edits_a);
    for (const auto& r : answer_a.at("results")) written_ids.insert(r.at("write_id"));
    const Json answer_b = phone_b.sync(edits_b);
    for (const auto& r : answer_b.at("results")) written_ids.insert(r.at("write_id"));
    net.syncNow("gw-a");
    net.syncNow("gw-b");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  drainThroughFaults(net, "gw-a");
  drainThroughFaults(net, "gw-b");
  CHECK(net.proxy("gw-a").faultsInjected() > 0);
  CHECK(net.proxy("gw-b").faultsInjected() > 0);

  // Faults off: one more exchange each way so both sites have pulled the final state.
  net.proxy("gw-a").setFault(FaultProxy::Fault::kNone);
  net.proxy("gw-b").setFault(FaultProxy::Fault::kNone);
  net.syncAndWait("gw-a");
  net.syncAndWait("gw-b");
  net.syncAndWait("gw-a");

  auto hub = recordsById(net.hubReader());
  auto site_a = recordsById(phone_a);
  auto site_b = recordsById(phone_b);
  REQUIRE(hub.size() == 30);
  for (const auto& b : base) {
    const std::string id = b.at("id");
    INFO(id);
    CHECK(site_a.at(id).at("stamp") == hub.at(id).at("stamp"));
    CHECK(site_b.at(id).at("stamp") == hub.at(id).at("stamp"));
    CHECK(site_a.at(id).at("body") == hub.at(id).at("body"));
  }

  // Every audit row is of a distinct losing write, and no canonical version is in the audit.
  HttpClient hub_admin = adminClient(net.hub());
  std::set<std::string> canonical_writes, audited;
  for (const auto& [id, r] : hub) canonical_writes.insert(r.at("write_id"));
  for (const auto& row : listConflicts(hub_admin)) {
    const std::string w = row.at("lost").at("write_id");
    CHECK(audited.insert(w).second);
    CHECK(canonical_writes.count(w) == 0);
  }
}

TEST_CASE("gateway killed with kill -9 mid-drain: every record reaches the hub exactly once") {
  UpstreamTopology net;
  net.addGateway("gw-a");
  HttpClient admin = adminClient(net.gateway("gw-a"));
  SyncClient phone(net.gateway("gw-a").port(), enrollDevice(admin, "dev-a", "yard-a", "op-a"));
  net.proxy("gw-a").setFault(FaultProxy::Fault::kRefuse);

  std::map<std::string, std::string> stamps;  // id -> stamp acknowledged to the phone
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<Json> writes;
    for (int i = 0; i < 100; ++i)
      writes.push_back(
          createWrite("gate_event", Json{{"direction", "in"},
                                         {"equipment_id", "EQ" + std::to_string(batch * 100 + i)},
                                         {"lane", "1"}}));
    const Json accepted = phone.sync(writes);
    for (const auto& r : accepted.at("results")) stamps[r.at("id")] = r.at("record").at("stamp");
  }
  REQUIRE(stamps.size() == 2000);

  // Slow the link so the drain takes a while, let it start, and kill the gateway mid-way.
  net.proxy("gw-a").setFault(FaultProxy::Fault::kNone);
  net.proxy("gw-a").setBandwidth(30 * 1024);
  net.syncNow("gw-a");
  HttpClient hub_admin = adminClient(net.hub());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int64_t at_hub = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    at_hub = hub_admin.get("/v1/status").json.value("records", int64_t{0});
    if (at_hub > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(at_hub > 0);
  net.gateway("gw-a").kill9();
  INFO("records at the hub when the gateway died: " << at_hub);
  CHECK(at_hub < 2000);

  net.proxy("gw-a").setBandwidth(0);
  net.gateway("gw-a").restart();
  net.syncAndWait("gw-a");
  auto hub = recordsById(net.hubReader());
  REQUIRE(hub.size() == 2000);
  for (const auto& [id, stamp] : stamps) {
    INFO(id);
    CHECK(hub.at(id).at("stamp") == stamp);
  }
  CHECK(listConflicts(hub_admin).empty());
}
