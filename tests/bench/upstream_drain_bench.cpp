// Drain of a gateway's backlog to its hub (issue 3, Performance).
// 1. Loopback: a gateway with 100,000 pending records drains to a fresh hub; records/s against the
//    hub's own accept rate measured in the same run: a node client posting the very same stamped
//    writes, 500 per request (the gateway's batch), straight to another fresh hub in plain JSON
//    (the hub at its cheapest), one request at a time and two at once (the hub decides
//    requests on several threads); the better of the two is the limit. Also shown: the hub
//    through a FaultProxy hop. Goal: drain >= 80% of the hub's accept rate.
// 2. Shaped: the same drain over a 10 Mbit/s link; time to drain against the bytes carried (up
//    + down) divided by the bandwidth: the least time a request/response exchange can take on
//    such a link. Goal: within 1.15x. The https transport gzips request bodies over 8 KiB and
//    asks for gzip'd answers, so the bytes are compressed bytes. Measured twice:
//    - FaultProxy::setBandwidth (the harness's shaper). Its bucket gives unbounded credit for
//      idle time, so request/response traffic is hardly slowed down (see shaped_link.h): its
//      drain time is about the loopback time and its ratio flatters; shown for comparison only.
//    - ShapedLink (tests/bench): a link that never sends faster than the rate. The goal figure.
//
// The backlog is built the quick way: the gateway's store is preloaded straight through the
// sqlite storage plugin with records stamped by the gateway, their write ids and outbox rows, as
// if phones had written them while the WAN was down. Over the shaped links the gateway starts
// with its proxy refusing connections (a round fails, it backs off); the clock starts when the
// link is let through and a round is asked for. On loopback it starts with the gateway. It stops
// when the gateway's status shows an empty outbox after a successful round.

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench_args.h"
#include "bench_report.h"
#include "harness/daemon_process.h"
#include "harness/fault_proxy.h"
#include "harness/sync_client.h"
#include "proc_stats.h"
#include "record_factory.h"
#include "shaped_link.h"
#include "store_preload.h"

namespace yard::bench {
namespace {

using Clock = std::chrono::steady_clock;

const char* const kUsage =
    "upstream_drain_bench [--small] [--runs N] [--records 100000] [--bandwidth 1250000]\n"
    "  --records    the gateway's backlog (pending records) in each drain\n"
    "  --bandwidth  bytes per second of the shaped link (1250000 = 10 Mbit/s)";

const std::string kSite = "yard-drain";
const std::string kGateway = "gw-drain";
constexpr int kBatch = 500;  // the gateway's writes per request (RoundLimits::max_writes)

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<it::DaemonProcess> startHub(const std::string& name) {
  it::DaemonConfig config;
  config.node_id = name;
  config.site = kSite;
  config.settings["node.role"] = "hub";
  auto hub = std::make_unique<it::DaemonProcess>(config);
  hub->start();
  return hub;
}

Json statusOf(const it::DaemonProcess& daemon) {
  it::HttpClient admin = it::adminClient(daemon);
  auto r = admin.get("/v1/status");
  if (r.status != 200) throw std::runtime_error("GET /v1/status: " + r.describe());
  return r.json;
}

// The hub's accept rate: the gateway's writes posted by a node client, kBatch per request.
struct Reference {
  double rate = 0;
  double hub_cpu_us = 0;  // hub CPU per record
  int64_t echoed = 0;     // our own writes the hub sent back as changes
  int64_t problems = 0;
};

// The stamps of each batch's writes, for the in_flight lists of concurrent posters.
std::vector<std::vector<std::string>> stampsOf(const std::vector<std::string>& batches) {
  std::vector<std::vector<std::string>> out;
  for (const auto& writes : batches) {
    out.emplace_back();
    for (const auto& w : Json::parse(writes)) out.back().push_back(w.at("stamp"));
  }
  return out;
}

// via_proxy: through a FaultProxy, the hop the drain's gateway goes through, to show what the
// hop itself costs (the goal is measured against the direct rate). posters: requests in flight
// at once, each from its own client. With two, as the gateway does, each request pulls from the
// last cursor answered and lists as in_flight the writes of the request still out and of the
// last two answered (a cruder rule than the gateway's, to the same end: see docs/upstream.md).
Reference hubAcceptRate(const std::vector<std::string>& batches, int64_t records, bool via_proxy,
                        int posters) {
  auto hub = startHub("hub-ref");
  const pid_t pid = findProcess(hub->configPath());
  it::HttpClient admin = it::adminClient(*hub);
  const it::Enrolment node = it::enrollDevice(admin, kGateway, kSite, "", /*node=*/true);
  std::unique_ptr<it::FaultProxy> proxy;
  if (via_proxy) proxy = std::make_unique<it::FaultProxy>(hub->port());
  const auto stamps = stampsOf(batches);

  std::mutex mu;  // guards what the posters share
  std::string cursor = "null";
  std::vector<size_t> flying;    // batches posted and not yet answered
  std::vector<size_t> answered;  // the last two answered (they may lie past the cursor)
  size_t next_batch = 0;
  Reference ref;
  int64_t accepted = 0;
  auto post = [&] {
    it::HttpClient client(proxy ? proxy->port() : hub->port(), std::chrono::seconds(120));
    client.setToken(node.token);
    it::HttpRequest request;
    request.method = "POST";
    request.path = "/v1/sync";
    for (;;) {
      size_t mine = 0;
      {
        std::lock_guard lock(mu);
        if (next_batch == batches.size()) return;
        mine = next_batch++;
        // The same request the gateway's upstream round sends: device, cursor, limit, brief
        // results, in_flight when another request is out, writes.
        std::string body = "{\"device\":\"" + kGateway + "\",\"cursor\":" + cursor +
                           ",\"limit\":500,\"brief\":true";
        if (!flying.empty()) {
          Json in_flight = Json::array();
          for (const auto* list : {&flying, &answered})
            for (size_t b : *list)
              for (const auto& stamp : stamps[b]) in_flight.push_back(stamp);
          body += ",\"in_flight\":" + in_flight.dump();
        }
        request.raw_body = body + ",\"writes\":" + batches[mine] + "}";
        flying.push_back(mine);
      }
      const it::HttpResponse r = client.request(request);
      std::lock_guard lock(mu);
      flying.erase(std::find(flying.begin(), flying.end(), mine));
      answered.push_back(mine);
      if (answered.size() > 2) answered.erase(answered.begin());
      if (r.status != 200 || !r.isJson()) {
        std::cout << "  reference: the hub answered " << r.describe().substr(0, 300) << "\n";
        ++ref.problems;
        continue;
      }
      for (const auto& result : r.json.at("results")) {
        if (result.at("status") == "accepted") ++accepted;
      }
      ref.echoed += static_cast<int64_t>(r.json.at("changes").size());
      cursor = r.json.at("cursor").dump();
    }
  };
  const double cpu0 = cpuSeconds(pid);
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < posters; ++i) threads.emplace_back(post);
  for (auto& t : threads) t.join();
  const double seconds = secondsSince(t0);
  ref.hub_cpu_us = (cpuSeconds(pid) - cpu0) / static_cast<double>(records) * 1e6;
  ref.rate = static_cast<double>(accepted) / seconds;
  if (accepted != records) {
    std::cout << "  reference: " << accepted << " of " << records << " writes accepted\n";
    ++ref.problems;
  }
  return ref;
}

struct Drain {
  double seconds = 0;
  double rate = 0;
  int64_t bytes_up = 0, bytes_down = 0;
  double gateway_cpu_us = 0, hub_cpu_us = 0;  // CPU per record
  int64_t echoed = 0;      // own records the hub sent back (the gateway's pulled count)
  int64_t requests = 0;    // sync exchanges
  int64_t overlapped = 0;  // of which sent while another was in flight
  int64_t problems = 0;
};

// How the gateway reaches its hub.
enum class Link { kLoopback, kFaultProxyShaped, kShapedLink };

// A hub, a gateway preloaded with `records` pending records behind a FaultProxy (which refuses
// connections until the clock starts), over link, and the time the gateway takes to drain.
Drain drainOnce(int64_t records, uint64_t seed, Link link, int64_t bandwidth,
                std::vector<std::string>* batches_out) {
  Drain d;
  auto hub = startHub("hub-drain");
  const pid_t hub_pid = findProcess(hub->configPath());
  it::HttpClient hub_admin = it::adminClient(*hub);
  const it::Enrolment node = it::enrollDevice(hub_admin, kGateway, kSite, "", /*node=*/true);
  std::unique_ptr<ShapedLink> shaper;
  if (link == Link::kShapedLink) shaper = std::make_unique<ShapedLink>(hub->port(), bandwidth);
  it::FaultProxy proxy(shaper ? shaper->port() : hub->port());
  proxy.setFault(it::FaultProxy::Fault::kRefuse);

  it::DaemonConfig config;
  config.node_id = kGateway;
  config.site = kSite;
  auto gateway = std::make_unique<it::DaemonProcess>(config);
  const std::string token_file = gateway->dir() + "/upstream.token";
  {
    std::ofstream out(token_file);
    out << node.token << "\n";
  }
  ::chmod(token_file.c_str(), 0600);
  auto& s = gateway->config().settings;
  s["upstream.transport"] = "https";
  // Loopback: straight to the hub, as a gateway on the hub's LAN would be. The gateway then
  // starts draining as it starts (its first round runs at once), so the clock starts with it.
  const bool no_proxy = link == Link::kLoopback;
  s["upstream.url"] = "http://127.0.0.1:" + std::to_string(no_proxy ? hub->port() : proxy.port());
  s["upstream.token_file"] = token_file;
  s["upstream.interval_s"] = "3600";
  s["upstream.timeout_s"] = "60";

  // The backlog: records the gateway stamped while the WAN was down, each queued in the outbox.
  std::filesystem::create_directories(gateway->dataDir());
  {
    DirectStore direct(gateway->dataDir());
    RecordFactory factory(kSite, seed);
    PreloadPlan plan;
    plan.site = kSite;
    plan.node = kGateway;
    plan.records = records;
    plan.first_ms = wallMs() - records - 60000;
    plan.outbox = true;
    Json batch = Json::array();
    preloadStore(direct.store(), factory, plan, [&](const core::Record& r) {
      if (batches_out == nullptr) return;
      batch.push_back(RecordFactory::nodeWrite(r));
      if (batch.size() == kBatch) {
        batches_out->push_back(batch.dump());
        batch = Json::array();
      }
    });
    if (batches_out != nullptr && !batch.empty()) batches_out->push_back(batch.dump());
  }
  int64_t asked = wallMs();
  auto t0 = Clock::now();
  gateway->start();
  const pid_t gateway_pid = findProcess(gateway->configPath());
  auto bytesUp = [&] { return shaper ? shaper->bytesUp() : proxy.bytesUp(); };
  auto bytesDown = [&] { return shaper ? shaper->bytesDown() : proxy.bytesDown(); };
  double gw_cpu0 = cpuSeconds(gateway_pid), hub_cpu0 = cpuSeconds(hub_pid);
  int64_t up0 = bytesUp(), down0 = bytesDown();
  if (!no_proxy) {
    // Wait for the first round to fail on the refused link, so the drain starts from a
    // backed-off gateway, as after a WAN outage.
    for (int i = 0; i < 200; ++i) {
      const Json st = statusOf(*gateway);
      if (st.at("upstream").value("failures", 0) > 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const int64_t pending = statusOf(*gateway).at("upstream").value("pending", int64_t{-1});
    if (pending != records) {
      std::cout << "  the gateway shows " << pending << " pending records, not " << records << "\n";
      ++d.problems;
    }
    proxy.setFault(it::FaultProxy::Fault::kNone);
    if (link == Link::kFaultProxyShaped) proxy.setBandwidth(bandwidth);
    up0 = bytesUp();
    down0 = bytesDown();
    gw_cpu0 = cpuSeconds(gateway_pid);
    hub_cpu0 = cpuSeconds(hub_pid);
    asked = wallMs();
    t0 = Clock::now();
    it::HttpClient admin = it::adminClient(*gateway);
    auto r = admin.post("/v1/admin/sync-now", Json::object());
    if (r.status != 202) throw std::runtime_error("sync-now: " + r.describe());
  }
  Json last;
  for (;;) {
    last = statusOf(*gateway);
    const Json& u = last.at("upstream");
    const int64_t success =
        u.value("last_success", Json()).is_number() ? u["last_success"].get<int64_t>() : 0;
    if (success >= asked && !u.value("syncing", true) && u.value("pending", int64_t{-1}) == 0)
      break;
    if (secondsSince(t0) > 1800)
      throw std::runtime_error("the gateway did not drain: " + last.dump());
    // Each status call costs the gateway a count of its outbox: do not poll harder than this.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  d.seconds = secondsSince(t0);
  d.gateway_cpu_us = (cpuSeconds(gateway_pid) - gw_cpu0) / static_cast<double>(records) * 1e6;
  d.hub_cpu_us = (cpuSeconds(hub_pid) - hub_cpu0) / static_cast<double>(records) * 1e6;
  d.bytes_up = bytesUp() - up0;
  d.bytes_down = bytesDown() - down0;
  d.rate = static_cast<double>(records) / d.seconds;
  d.echoed = last.at("upstream").value("pulled", int64_t{0});
  d.requests = last.at("upstream").value("requests", int64_t{0});
  d.overlapped = last.at("upstream").value("requests_overlapped", int64_t{0});
  const int64_t on_hub = statusOf(*hub).value("records", int64_t{-1});
  if (on_hub != records) {
    std::cout << "  the hub holds " << on_hub << " records after the drain, not " << records
              << "\n";
    ++d.problems;
  }
  return d;
}

int runBench(int argc, char** argv) {
  BenchArgs args(argc, argv, kUsage);
  const int runs = args.runs(3, 1);
  const int64_t records = args.integer("records", 100000, 5000);
  const int64_t bandwidth = args.integer("bandwidth", 1250000, 1250000);
  args.finish();
  if (runs < 1 || records < 1 || bandwidth < 1) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  printHeader(std::cout, "upstream_drain_bench", args.small(), runs);
  std::cout << records << " pending records per drain, " << kBatch
            << " writes per request; shaped link " << fixed(bandwidth * 8 / 1e6, 1)
            << " Mbit/s each way\n\n";

  Table loopback({"run", "hub accept rec/s (1 at a time)", "(2 at once)", "(via FaultProxy)",
                  "drain rec/s", "ratio to the best", "drain s", "requests (overlapped)",
                  "own records sent back", "gateway CPU us/rec", "hub CPU us/rec (drain)",
                  "hub CPU us/rec (reference)"});
  Table shaped({"run", "link", "drain s", "MB up", "MB down", "(up+down)/bandwidth s", "ratio",
                "drain rec/s", "requests (overlapped)", "own records sent back",
                "gateway CPU us/rec", "hub CPU us/rec"});
  Samples ref_rate, ref2_rate, proxied_rate, drain_rate, ratio, shaped_ratio, shaped_s, proxy_ratio,
      proxy_s;
  int64_t problems = 0;
  auto requests = [](const Drain& d) {
    return std::to_string(d.requests) + " (" + std::to_string(d.overlapped) + ")";
  };
  auto addShaped = [&](int run, const char* name, const Drain& s, Samples& ratios, Samples& times) {
    const double link_s =
        static_cast<double>(s.bytes_up + s.bytes_down) / static_cast<double>(bandwidth);
    ratios.add(s.seconds / link_s);
    times.add(s.seconds);
    shaped.add({std::to_string(run), name, fixed(s.seconds, 2), fixed(s.bytes_up / 1e6, 2),
                fixed(s.bytes_down / 1e6, 2), fixed(link_s, 2), fixed(s.seconds / link_s, 2),
                fixed(s.rate, 0), requests(s), std::to_string(s.echoed), fixed(s.gateway_cpu_us, 0),
                fixed(s.hub_cpu_us, 0)});
  };
  for (int run = 1; run <= runs; ++run) {
    const uint64_t seed = 40 + static_cast<uint64_t>(run);
    std::vector<std::string> batches;
    const Drain d = drainOnce(records, seed, Link::kLoopback, 0, &batches);
    const Reference ref = hubAcceptRate(batches, records, false, 1);
    const Reference ref2 = hubAcceptRate(batches, records, false, 2);
    const Reference proxied = hubAcceptRate(batches, records, true, 1);
    batches.clear();
    const Drain s = drainOnce(records, seed, Link::kShapedLink, bandwidth, nullptr);
    const Drain p = drainOnce(records, seed, Link::kFaultProxyShaped, bandwidth, nullptr);
    problems +=
        d.problems + ref.problems + ref2.problems + proxied.problems + s.problems + p.problems;

    // The limit is the hub at its best, however it is fed.
    const Reference& best = ref2.rate > ref.rate ? ref2 : ref;
    ref_rate.add(ref.rate);
    ref2_rate.add(ref2.rate);
    proxied_rate.add(proxied.rate);
    drain_rate.add(d.rate);
    ratio.add(d.rate / best.rate);
    loopback.add({std::to_string(run), fixed(ref.rate, 0),
                  fixed(ref2.rate, 0) + " (" + std::to_string(ref2.echoed) + " sent back)",
                  fixed(proxied.rate, 0), fixed(d.rate, 0), fixed(d.rate / best.rate, 2),
                  fixed(d.seconds, 2), requests(d), std::to_string(d.echoed),
                  fixed(d.gateway_cpu_us, 0), fixed(d.hub_cpu_us, 0), fixed(best.hub_cpu_us, 0)});
    addShaped(run, "ShapedLink", s, shaped_ratio, shaped_s);
    addShaped(run, "FaultProxy", p, proxy_ratio, proxy_s);
  }
  loopback.add({"median (min-max)", ref_rate.spread(0), ref2_rate.spread(0), proxied_rate.spread(0),
                drain_rate.spread(0), ratio.spread(2)});
  shaped.add(
      {"median (min-max)", "ShapedLink", shaped_s.spread(2), "", "", "", shaped_ratio.spread(2)});
  shaped.add(
      {"median (min-max)", "FaultProxy", proxy_s.spread(2), "", "", "", proxy_ratio.spread(2)});

  std::cout << "loopback drain vs the hub's own accept rate\n";
  loopback.print(std::cout);
  std::cout << "\nshaped link: time to drain vs bytes carried / bandwidth\n";
  shaped.print(std::cout);
  std::cout << "\nload average at end: " << loadAverage() << "\n";
  if (problems > 0) std::cout << "PROBLEMS: " << problems << " (figures are suspect)\n";
  printGoal(std::cout, "loopback drain rate vs the hub's best accept rate",
            fixed(ratio.median(), 2) + "x", ">= 0.80x", ratio.median() >= 0.8);
  printGoal(std::cout, "shaped drain time vs (bytes up + down) / bandwidth (ShapedLink)",
            fixed(shaped_ratio.median(), 2) + "x", "<= 1.15x", shaped_ratio.median() <= 1.15);
  std::cout << "(FaultProxy::setBandwidth gives " << fixed(proxy_ratio.median(), 2)
            << "x, but hardly slows request/response traffic: see shaped_link.h)\n";
  return problems > 0 ? 1 : 0;
}

}  // namespace
}  // namespace yard::bench

int main(int argc, char** argv) { return yard::bench::runBench(argc, argv); }
