// Head office as several hub processes on one PostgreSQL database (issue 9). Real daemons, a
// real throwaway cluster: gateways and node clients reconcile through both hubs at once with
// conflicting versions of the same records; every tier ends on the greatest stamp, each losing
// version is audited exactly once, and pulls from either hub miss nothing the database holds.
// A database restart (fast shutdown, then kill -9 of the postmaster) in the middle of a load
// loses no acknowledged write, and the hubs carry on without being restarted.

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "core/stamp.h"
#include "harness/fault_proxy.h"
#include "harness/sync_client.h"
#include "harness/upstream_topology.h"
#include "hub_tier.h"

using namespace yard::it;
using yard::test::HubTier;
using yard::test::PostgresCluster;

namespace {

const std::string kSite = "yard-a";

std::string stampOf(int64_t ms, int counter, const std::string& node) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016lld-%04d-", static_cast<long long>(ms), counter);
  return buf + node;
}

// A write a gateway forwards: stamped by the gateway, origin kept.
Json stampedWrite(const std::string& id, const std::string& stamp, const std::string& node,
                  const std::string& note) {
  Json body = inspectionBody("TRLU" + id.substr(0, 4));
  body["notes"] = note;
  Json w = createWrite("inspection", body, id);
  w["stamp"] = stamp;
  w["origin"] = {{"device", "dev-" + node}, {"operator", "op-" + node}, {"node", node}};
  return w;
}

// id -> stamp of every record in the hubs' database.
std::map<std::string, std::string> storedStamps(PostgresCluster& pg, const std::string& db) {
  std::map<std::string, std::string> out;
  for (const auto& row : pg.rows(db, "SELECT id, stamp FROM records")) out[row[0]] = row[1];
  return out;
}

std::map<std::string, std::string> pulledStamps(SyncClient& reader) {
  std::map<std::string, std::string> out;
  for (const auto& [id, record] : recordsById(reader)) out[id] = record.at("stamp");
  return out;
}

// Posts request until a hub answers 200 (a 503 or a cut connection while the database is away
// is retried with the same write ids, as a gateway's upstream loop does). Returns the answer.
Json postUntilAccepted(SyncClient& client, const Json& request, std::atomic<int>& unavailable) {
  for (int attempt = 0; attempt < 600; ++attempt) {
    try {
      auto r = client.post(request);
      if (r.status == 200) return r.json;
      if (r.status != 503) throw std::runtime_error("sync: " + r.describe());
      if (unavailable == 0) std::cerr << "first 503: " << r.describe().substr(0, 300) << "\n";
    } catch (const Poco::Exception&) {
    }
    ++unavailable;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("the hub never came back");
}

}  // namespace

TEST_CASE(
    "two hub processes on one database: gateways and node clients pushing conflicting "
    "versions through both at once converge on the greatest stamp, one audit row per loser",
    "[postgres][hubs]") {
  if (!PostgresCluster::available()) FAIL("PostgreSQL server binaries are not installed");
  PostgresCluster pg;
  HubTier hubs(pg, 2, kSite);
  HttpClient admin0 = adminClient(hubs.hub(0)), admin1 = adminClient(hubs.hub(1));
  // Devices live in the shared database: enrolled at one hub, known at both.
  SyncClient reader0(hubs.hub(0).port(), enrollDevice(admin0, "reader", kSite, "", true));
  SyncClient reader1(hubs.hub(1).port(), reader0.device());

  // Phase 1: two node clients (gateways as far as the hubs can tell), each pushing its own
  // version of the same 40 records to a different hub at the same moment, 10 rounds each.
  SyncClient node_x(hubs.hub(0).port(), enrollDevice(admin0, "gw-x", kSite, "", true));
  SyncClient node_y(hubs.hub(1).port(), enrollDevice(admin1, "gw-y", kSite, "", true));
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(newUuid());
  std::map<std::string, std::set<std::string>> stamps;  // id -> every stamp pushed
  std::map<std::string, std::vector<Json>> rounds_x, rounds_y;
  const int64_t t0 = 1764000000000;
  for (int round = 0; round < 10; ++round) {
    std::vector<Json> wx, wy;
    for (size_t i = 0; i < ids.size(); ++i) {
      // Interleaved clocks: which node wins a record changes from record to record.
      const std::string sx = stampOf(t0 + round * 10 + static_cast<int>(i % 3), 0, "gw-x");
      const std::string sy = stampOf(t0 + round * 10 + static_cast<int>((i + 1) % 3), 0, "gw-y");
      wx.push_back(stampedWrite(ids[i], sx, "gw-x", "x" + std::to_string(round)));
      wy.push_back(stampedWrite(ids[i], sy, "gw-y", "y" + std::to_string(round)));
      stamps[ids[i]].insert(sx);
      stamps[ids[i]].insert(sy);
    }
    rounds_x[std::to_string(round)] = wx;
    rounds_y[std::to_string(round)] = wy;
  }
  std::atomic<int> unavailable{0};
  auto push = [&](SyncClient& client, std::map<std::string, std::vector<Json>>& rounds) {
    for (int round = 0; round < 10; ++round)
      (void)postUntilAccepted(client, client.request(rounds[std::to_string(round)]), unavailable);
  };
  std::thread tx([&] { push(node_x, rounds_x); });
  std::thread ty([&] { push(node_y, rounds_y); });
  tx.join();
  ty.join();

  // Phase 2: real gateways, each reconciling through a different hub, editing the same
  // records offline and pushing at the same time.
  FaultProxy proxy_a(hubs.hub(0).port()), proxy_b(hubs.hub(1).port());
  auto gw_a = startGateway(hubs.hub(0), proxy_a.port(), "gw-a", kSite);
  auto gw_b = startGateway(hubs.hub(1), proxy_b.port(), "gw-b", kSite);
  HttpClient gw_admin_a = adminClient(*gw_a), gw_admin_b = adminClient(*gw_b);
  SyncClient phone_a(gw_a->port(), enrollDevice(gw_admin_a, "dev-a", kSite, "op-a"));
  SyncClient phone_b(gw_b->port(), enrollDevice(gw_admin_b, "dev-b", kSite, "op-b"));
  auto syncNow = [](DaemonProcess& gw) {
    HttpClient admin = adminClient(gw);
    REQUIRE(admin.post("/v1/admin/sync-now", Json::object()).status == 202);
  };
  // Waits until gw has had a successful round that started after this call, with nothing
  // left to push.
  auto roundDone = [](DaemonProcess& gw, int64_t after_ms) {
    HttpClient admin = adminClient(gw);
    for (int i = 0; i < 600; ++i) {
      const Json u = admin.get("/v1/status").json.at("upstream");
      const Json attempt = u.value("last_attempt", Json()),
                 success = u.value("last_success", Json());
      if (attempt.is_number() && success.is_number() && attempt.get<int64_t>() >= after_ms &&
          success.get<int64_t>() >= attempt.get<int64_t>() && !u.value("syncing", true) &&
          u.value("pending", -1) == 0)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("no successful round on " << gw.config().node_id);
  };
  auto nowMs = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  auto syncBoth = [&] {
    const int64_t asked = nowMs();
    syncNow(*gw_a);
    syncNow(*gw_b);
    roundDone(*gw_a, asked);
    roundDone(*gw_b, asked);
  };
  syncBoth();  // both gateways pull phase 1's outcome
  REQUIRE(recordsById(phone_a).size() == ids.size());

  proxy_a.setFault(FaultProxy::Fault::kRefuse);
  proxy_b.setFault(FaultProxy::Fault::kRefuse);
  auto current = recordsById(phone_a);
  std::map<std::string, std::string> phase1_winner;
  for (size_t i = 0; i < 20; ++i) {
    // Alternate which site edits first, so each site wins some records.
    SyncClient& first = i % 2 ? phone_a : phone_b;
    SyncClient& second = i % 2 ? phone_b : phone_a;
    phase1_winner[ids[i]] = current.at(ids[i]).at("stamp");
    for (SyncClient* phone : {&first, &second}) {
      Json body = current.at(ids[i]).at("body");
      body["notes"] = "edited at " + phone->device().id;
      const Json r = onlyResult(phone->sync({editWrite(current.at(ids[i]), body)}));
      REQUIRE(r.at("status") == "accepted");
      stamps[ids[i]].insert(r.at("record").at("stamp").get<std::string>());
    }
  }
  proxy_a.setFault(FaultProxy::Fault::kNone);
  proxy_b.setFault(FaultProxy::Fault::kNone);
  syncBoth();  // both push their edits through different hubs at once
  syncBoth();  // and pull each other's outcome

  // Everywhere: the greatest stamp of every version pushed.
  const auto stored = storedStamps(pg, hubs.database());
  REQUIRE(stored.size() == ids.size());
  for (const auto& id : ids) {
    INFO(id);
    CHECK(stored.at(id) == *stamps.at(id).rbegin());
  }
  // No change missed by a pull, from either hub, and the gateways' phones agree.
  CHECK(pulledStamps(reader0) == stored);
  CHECK(pulledStamps(reader1) == stored);
  CHECK(pulledStamps(phone_a) == stored);
  CHECK(pulledStamps(phone_b) == stored);

  // Exactly one audit row per losing version at head office: every stamp pushed but the
  // greatest, once. Not the phase 1 winner of an edited record: both sites edited from it
  // (their base), so the first edit to arrive replaced it as an ordinary next version.
  std::map<std::string, std::multiset<std::string>> audited;
  for (const auto& row :
       pg.rows(hubs.database(), "SELECT record_id, (lost_doc::json)->>'stamp' FROM audit"))
    audited[row[0]].insert(row[1]);
  for (const auto& id : ids) {
    INFO(id);
    std::multiset<std::string> losers(stamps.at(id).begin(), std::prev(stamps.at(id).end()));
    if (phase1_winner.count(id)) losers.erase(phase1_winner.at(id));
    CHECK(audited[id] == losers);
  }
  // A batch that met another hub's creation of the same record is run again by the hub; were
  // it answered 503, its client would retry (as a gateway's upstream loop does): counted, not
  // an error.
  WARN("503 answers retried: " << unavailable.load());
  CHECK_FALSE(hubs.hub(0).pollExit().has_value());
  CHECK_FALSE(hubs.hub(1).pollExit().has_value());
}

TEST_CASE(
    "a database restart and a database crash in the middle of a load lose no "
    "acknowledged write; the hubs recover without a restart",
    "[postgres][hubs][restart]") {
  if (!PostgresCluster::available()) FAIL("PostgreSQL server binaries are not installed");
  PostgresCluster pg;
  HubTier hubs(pg, 2, kSite);
  HttpClient admin0 = adminClient(hubs.hub(0));
  SyncClient writer0(hubs.hub(0).port(), enrollDevice(admin0, "gw-x", kSite, "", true));
  SyncClient writer1(hubs.hub(1).port(), enrollDevice(admin0, "gw-y", kSite, "", true));

  std::atomic<bool> stop{false};
  std::atomic<int> unavailable{0};
  std::mutex acked_mu;
  std::map<std::string, std::string> acknowledged;  // id -> stamp, from 200 answers only
  std::string failure;
  auto load = [&](SyncClient& client, const std::string& node) {
    try {
      for (int batch = 0; !stop; ++batch) {
        std::vector<Json> writes;
        for (int i = 0; i < 20; ++i)
          writes.push_back(
              stampedWrite(newUuid(), stampOf(1764000000000 + batch, i, node), node, "load"));
        const Json answer = postUntilAccepted(client, client.request(writes), unavailable);
        std::lock_guard lock(acked_mu);
        for (const auto& r : answer.at("results"))
          if (r.at("status") == "accepted")
            acknowledged[r.at("id").get<std::string>()] = r.at("record").at("stamp");
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(acked_mu);
      failure = e.what();
    }
  };
  auto ackedCount = [&] {
    std::lock_guard lock(acked_mu);
    return acknowledged.size();
  };
  auto waitForMore = [&](size_t n) {
    const size_t target = ackedCount() + n;
    for (int i = 0; i < 1200 && ackedCount() < target; ++i) {
      {
        std::lock_guard lock(acked_mu);
        if (!failure.empty()) return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return ackedCount() >= target;
  };
  std::thread l0(load, std::ref(writer0), "gw-x"), l1(load, std::ref(writer1), "gw-y");
  // The loaders run until told to stop, whatever the checks below find.
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread &a, &b;
    ~Joiner() {
      stop = true;
      if (a.joinable()) a.join();
      if (b.joinable()) b.join();
    }
  } joiner{stop, l0, l1};

  bool loaded = waitForMore(400);
  pg.stopFast();  // pg_ctl stop -m fast
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  pg.start();
  loaded = loaded && waitForMore(400);
  pg.kill9();  // the postmaster dies as in a crash
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  pg.start();
  loaded = loaded && waitForMore(400);
  stop = true;
  l0.join();
  l1.join();
  INFO(failure);
  REQUIRE(failure.empty());
  REQUIRE(loaded);
  CHECK(unavailable > 0);  // the outages were seen

  const auto stored = storedStamps(pg, hubs.database());
  size_t missing = 0;
  for (const auto& [id, stamp] : acknowledged) {
    auto it = stored.find(id);
    if (it == stored.end() || it->second != stamp) ++missing;
  }
  CHECK(missing == 0);
  CHECK(stored.size() == acknowledged.size());  // retried batches added nothing twice
  // Both hubs still run, were never restarted, and both serve the whole state.
  CHECK_FALSE(hubs.hub(0).pollExit().has_value());
  CHECK_FALSE(hubs.hub(1).pollExit().has_value());
  CHECK(pulledStamps(writer0).size() == stored.size());
  CHECK(pulledStamps(writer1) == pulledStamps(writer0));
}

TEST_CASE(
    "phones enrolled at head office writing through both hub processes at once: no two hubs "
    "issue the same stamp, and an edit through the other hub replaces the version it saw",
    "[postgres][hubs][stamps]") {
  if (!PostgresCluster::available()) FAIL("PostgreSQL server binaries are not installed");
  PostgresCluster pg;
  HubTier hubs(pg, 2, kSite);
  HttpClient admin0 = adminClient(hubs.hub(0)), admin1 = adminClient(hubs.hub(1));
  SyncClient phone0(hubs.hub(0).port(), enrollDevice(admin0, "phone-0", kSite, "op-0"));
  SyncClient phone1(hubs.hub(1).port(), enrollDevice(admin1, "phone-1", kSite, "op-1"));

  // Both hubs stamp 1,500 new records each, in the same milliseconds.
  // (Catch2 assertions are not thread-safe: the writers only collect.)
  std::vector<std::string> stamps0, stamps1;
  std::string failure0, failure1;
  auto write = [](SyncClient& phone, std::vector<std::string>& out, std::string& failure) {
    try {
      for (int batch = 0; batch < 30; ++batch) {
        std::vector<Json> writes;
        for (int i = 0; i < 50; ++i)
          writes.push_back(createWrite("inspection", inspectionBody("TRLU1")));
        const Json answer = phone.sync(writes);
        for (const auto& r : answer.at("results")) {
          if (r.at("status") != "accepted") throw std::runtime_error("not accepted: " + r.dump());
          out.push_back(r.at("record").at("stamp"));
        }
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
  };
  std::thread t0([&] { write(phone0, stamps0, failure0); });
  std::thread t1([&] { write(phone1, stamps1, failure1); });
  t0.join();
  t1.join();
  REQUIRE(failure0.empty());
  REQUIRE(failure1.empty());
  REQUIRE(stamps0.size() == 1500);
  REQUIRE(stamps1.size() == 1500);
  std::set<std::string> all(stamps0.begin(), stamps0.end());
  all.insert(stamps1.begin(), stamps1.end());
  CHECK(all.size() == stamps0.size() + stamps1.size());
  // Each process stamps as "hub.<its tag>"; the origin still names the node.
  auto issuer = [](const std::string& stamp) { return yard::core::Stamp::parse(stamp)->node; };
  CHECK(issuer(stamps0.front()).rfind("hub.", 0) == 0);
  CHECK(issuer(stamps0.front()) != issuer(stamps1.front()));
  CHECK(issuer(stamps0.front()) == issuer(stamps0.back()));
  CHECK(recordsById(phone1).begin()->second.at("origin").at("node") == "hub");

  // One phone editing a record through the hubs in turn: every edit is made on the version
  // the other hub stamped, and each must replace it (no conflict), however the two clocks run.
  Json record =
      onlyResult(phone0.sync({createWrite("inspection", inspectionBody("TRLU2"))})).at("record");
  SyncClient via1(hubs.hub(1).port(), phone0.device());
  for (int i = 0; i < 60; ++i) {
    SyncClient& phone = i % 2 ? phone0 : via1;
    Json body = record.at("body");
    body["notes"] = "edit " + std::to_string(i);
    const Json r = onlyResult(phone.sync({editWrite(record, body)}));
    INFO("edit " << i << ": " << r.dump());
    REQUIRE(r.at("status") == "accepted");
    CHECK(r.at("record").at("stamp").get<std::string>() > record.at("stamp").get<std::string>());
    record = r.at("record");
  }
  CHECK(storedStamps(pg, hubs.database()).at(record.at("id")) == record.at("stamp"));
}
