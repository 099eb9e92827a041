// UpstreamRound on a real sqlite store against a fake hub: a transport class built with the plugin
// SDK that answers in memory (no sockets), takes a random time deciding so requests overlap and
// answers come back in any order, and works out what each pull would have sent back. Covers
// requests in flight at once, the stamps a request must list, and the fall-back to one request at a
// time (and to whole records) when an older hub refuses the fields.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "conformance_cases.h"
#include "sqlite_backend.h"
#include "sync/batch_applier.h"
#include "sync/commit_queue.h"
#include "sync/node_clock.h"
#include "upstream/upstream_round.h"
#include "yard/plugin.hpp"

using namespace yard;
using yard::test::beginTxn;
using yard::test::openStore;
using yard::test::SqliteBackend;
using yard::test::valueOf;

namespace {

// The fake hub's state, one per test, reached through a global: the SDK builds the transport
// from its class, so the test cannot hand it a pointer. Its change feed is a list of stamps: a
// request's writes join it some time after the request arrives; its answer's cursor is the
// feed's length as it leaves, so answers decided in another order than they were sent come back
// with cursors out of order, as from a real hub deciding requests at once.
struct FakeHub {
  std::mutex mu;
  bool knows_brief = true;
  bool knows_in_flight = true;
  std::vector<core::Json> requests;          // in the order they arrived
  std::vector<std::string> feed;             // stamps, in commit order
  std::map<std::string, size_t> request_of;  // stamp -> index in requests
  int inside = 0, most_inside = 0;           // requests being decided at once
  // Stamps of the gateway's own writes its pull would have sent back: past the request's
  // cursor, neither its own nor listed in in_flight. Writes of a request sent after this one
  // (whose in_flight lists this one's) are not counted: no list can name them, the real hub
  // leaves them out while they are being decided (sync/unanswered_writes.h).
  std::vector<std::string> sent_back;
  std::mt19937 random{7};

  FakeHub();
  ~FakeHub();
};
FakeHub* g_hub = nullptr;
// The transport reaches the hub of the test case that is running.
FakeHub::FakeHub() { g_hub = this; }
FakeHub::~FakeHub() { g_hub = nullptr; }

std::vector<std::string> stampsOf(const core::Json& request) {
  std::vector<std::string> out;
  for (const auto& w : request.at("writes")) out.push_back(w.at("stamp"));
  return out;
}

std::set<std::string> inFlightOf(const core::Json& request) {
  std::set<std::string> out;
  for (const auto& s : request.value("in_flight", core::Json::array())) out.insert(s);
  return out;
}

class FakeHubTransport {
 public:
  static constexpr uint32_t kConcurrentSyncs = 3;

  static yard_rc open(const sdk::Host&, std::unique_ptr<FakeHubTransport>& out, yard_error*) {
    out = std::make_unique<FakeHubTransport>();
    return YARD_OK;
  }

  yard_rc sync(const char* text, size_t len, yard_text_fn fn, void* ctx, yard_error* err) {
    const core::Json request = core::Json::parse(std::string(text, len));
    const auto stamps = stampsOf(request);
    int parse_ms = 0, decide_ms = 0;
    size_t index = 0;
    {
      std::lock_guard lock(g_hub->mu);
      // An older hub: a 400 naming the field, as the https transport reports it.
      if (request.contains("brief") && !g_hub->knows_brief)
        return sdk::fail(err, YARD_PERMANENT, "upstream answered HTTP 400: unknown field 'brief'");
      if (request.contains("in_flight") && !g_hub->knows_in_flight)
        return sdk::fail(err, YARD_PERMANENT,
                         "upstream answered HTTP 400: unknown field 'in_flight'");
      index = g_hub->requests.size();
      g_hub->requests.push_back(request);
      for (const auto& s : stamps) g_hub->request_of[s] = index;
      g_hub->most_inside = std::max(g_hub->most_inside, ++g_hub->inside);
      parse_ms = std::uniform_int_distribution<int>(0, 20)(g_hub->random);
      decide_ms = std::uniform_int_distribution<int>(0, 10)(g_hub->random);
    }
    // Reading the request, then committing its writes, then deciding the rest: a request that
    // arrived first may commit after a later one has pulled.
    std::this_thread::sleep_for(std::chrono::milliseconds(parse_ms));
    {
      std::lock_guard lock(g_hub->mu);
      g_hub->feed.insert(g_hub->feed.end(), stamps.begin(), stamps.end());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(decide_ms));
    core::Json answer{{"changes", core::Json::array()},
                      {"inbox", core::Json::array()},
                      {"missing_attachments", core::Json::array()},
                      {"more", false},
                      {"results", core::Json::array()}};
    for (const auto& w : request.at("writes")) {
      core::Json result{{"id", w.at("id")}, {"status", "accepted"}, {"write_id", w.at("write_id")}};
      if (request.value("brief", false))
        result["stamp"] = w.at("stamp");
      else
        result["record"] = w;
      answer["results"].push_back(result);
    }
    {
      std::lock_guard lock(g_hub->mu);
      const auto& cursor = request.at("cursor");
      const size_t after = cursor.is_null() ? 0 : std::stoul(cursor.get<std::string>());
      const std::set<std::string> own(stamps.begin(), stamps.end());
      const std::set<std::string> listed = inFlightOf(request);
      for (size_t i = after; i < g_hub->feed.size(); ++i) {
        const std::string& s = g_hub->feed[i];
        if (own.count(s) || listed.count(s)) continue;
        const std::set<std::string> theirs = inFlightOf(g_hub->requests[g_hub->request_of[s]]);
        if (!stamps.empty() && theirs.count(stamps.front())) continue;  // sent after this one
        g_hub->sent_back.push_back(s);
      }
      --g_hub->inside;
      answer["cursor"] = std::to_string(g_hub->feed.size());
    }
    fn(ctx, answer.dump().c_str());
    return YARD_OK;
  }

  yard_rc probe(yard_error*) { return YARD_OK; }
};

const yard_plugin* fakeHubPlugin() {
  static const char* const keys[] = {nullptr};
  static const yard_plugin descriptor =
      sdk::transportDescriptor<FakeHubTransport>("fakehub", "1.0.0", keys);
  return &descriptor;
}

// A gateway's store holding `records` pending writes of its phones, and a round to drain them.
struct Gateway {
  SqliteBackend backend;
  std::unique_ptr<store::Store> store = openStore(backend);
  sync::NodeIdentity node{"gw-1", "yard-a", "the gateway", true};
  sync::NodeClock clock{"gw-1", [] { return int64_t{1764000000000}; }};
  sync::CommitQueue writer{*store, {}};
  plugin::LoadedPlugin loaded{fakeHubPlugin(), "fakehub", {}};
  plugin::PluginHost host{"transport.fakehub", {}, backend.dir().path()};
  std::unique_ptr<upstream::Transport> transport = valueOf(upstream::Transport::open(loaded, host));
  std::set<std::string> pending_stamps;

  explicit Gateway(int records) {
    auto txn = beginTxn(*store, true);
    for (int n = 0; n < records; ++n) {
      core::Record r;
      r.id = "rec-" + std::to_string(n);
      r.write_id = "w-" + std::to_string(n);
      r.type = "gate_event";
      r.site = "yard-a";
      r.body = {{"direction", "in"}, {"equipment_id", "TRLU" + std::to_string(n)}, {"lane", "1"}};
      r.stamp = clock.next().encode();
      r.origin = {"dev-1", "op-1", "gw-1"};
      YARD_REQUIRE_OK(sync::storeRecord(txn, r));
      YARD_REQUIRE_OK(txn.putOutbox({r.id, r.stamp, "", 0}));
      pending_stamps.insert(r.stamp);
    }
    YARD_REQUIRE_OK(txn.commit());
  }

  upstream::RoundResult drain(upstream::RoundLimits limits) {
    upstream::UpstreamRound round(node, "gw-1", *store, writer, clock, *transport, limits);
    return valueOf(round.run({}));
  }

  int64_t outboxRows() {
    auto txn = beginTxn(*store, false);
    return valueOf(txn.outboxStats()).count;
  }
};

upstream::RoundLimits smallBatches() {
  upstream::RoundLimits limits;
  limits.max_writes = 50;
  return limits;
}

}  // namespace

TEST_CASE("requests overlap, each listing the writes of those still being decided") {
  FakeHub hub;
  Gateway gw(1000);
  const auto counts = gw.drain(smallBatches());

  CHECK(counts.pushed == 1000);
  CHECK(gw.outboxRows() == 0);
  // Twenty requests of 50 and a last pull; pulling had caught up after the first answer.
  CHECK(counts.requests == 21);
  CHECK(counts.overlapped >= 10);
  CHECK(hub.most_inside >= 2);
  CHECK(hub.most_inside <= 3);  // the transport's concurrent_syncs
  // However the hub ordered its answers, no pull would have sent a write of the gateway back.
  CHECK(hub.sent_back.empty());
  // Every write went up exactly once.
  std::multiset<std::string> sent;
  for (const auto& r : hub.requests)
    for (const auto& s : stampsOf(r)) sent.insert(s);
  CHECK(sent.size() == 1000);
  CHECK(std::set<std::string>(sent.begin(), sent.end()) == gw.pending_stamps);
}

TEST_CASE("a hub that does not know in_flight gets one request at a time, nothing lost") {
  FakeHub hub;
  hub.knows_in_flight = false;
  Gateway gw(500);
  const auto counts = gw.drain(smallBatches());
  CHECK(counts.pushed == 500);
  CHECK(gw.outboxRows() == 0);
  CHECK(hub.most_inside == 1);
  for (const auto& r : hub.requests) CHECK_FALSE(r.contains("in_flight"));
}

TEST_CASE("a hub that knows neither brief results nor in_flight still gets every write") {
  FakeHub hub;
  hub.knows_brief = false;
  hub.knows_in_flight = false;
  Gateway gw(300);
  const auto counts = gw.drain(smallBatches());
  CHECK(counts.pushed == 300);
  CHECK(gw.outboxRows() == 0);
  for (const auto& r : hub.requests) {
    CHECK_FALSE(r.contains("brief"));
    CHECK_FALSE(r.contains("in_flight"));
  }
}
