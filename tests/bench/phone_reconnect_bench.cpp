// The reconnect storm (issue 6, Performance): N phones, each holding W writes made offline,
// reconnect at once (yard-phone simulate --storm); every write must be reconciled, every phone
// must end equal to the gateway. Measured: the time from "all reconnect" to "all reconciled",
// the gateway's peak RSS (VmHWM). The limit beside it, in the same run: the same number of
// writes sent by one client in batches of 1000 (the store's own rate, no connection churn).
// Run once with the default [http] max_threads and once with a thread per phone, because
// POCO serves one connection per thread: that is what bounds a storm (docs/performance.md).

#include <chrono>
#include <iostream>

#include "bench_args.h"
#include "bench_report.h"
#include "harness/daemon_process.h"
#include "harness/sync_client.h"
#include "proc_stats.h"
#include "simulator/fleet.h"

namespace yard::bench {
namespace {

using Clock = std::chrono::steady_clock;

const char* const kUsage =
    "phone_reconnect_bench [--small] [--phones 500] [--writes 20] [--threads 256]\n"
    "  --phones   phones reconnecting at once\n"
    "  --writes   writes each holds, made offline\n"
    "  --threads  the gateway's [http] max_threads for the first run (the second gives one\n"
    "             thread per phone)";

struct StormFigures {
  double seconds = 0;
  int64_t writes = 0;
  int64_t peak_rss_kib = 0;
  bool converged = false;
  std::string problem;
};

StormFigures storm(int phones, int writes, int threads) {
  it::DaemonConfig config;
  config.settings["http.max_threads"] = std::to_string(threads);
  it::DaemonProcess gw(config);
  gw.start();
  device::FleetOptions o;
  o.link.gateway_url = "http://127.0.0.1:" + std::to_string(gw.port());
  o.admin_token = gw.adminToken();
  o.dir = gw.dir() + "/phones";
  o.prefix = "storm";
  o.phones = phones;
  o.storm_writes = writes;
  auto summary = device::runFleet(o, nullptr);
  StormFigures f;
  f.peak_rss_kib = vmHwmKib(findProcess(gw.configPath()));
  if (!summary.isOk()) {
    f.problem = summary.status().message();
    return f;
  }
  f.seconds = summary->storm_seconds;
  f.writes = summary->sync.accepted;
  f.converged = summary->ok();
  f.problem = summary->first_problem;
  return f;
}

// One client, the same number of new records, batches of 1000.
double rawRate(int64_t total) {
  it::DaemonProcess gw;
  gw.start();
  auto admin = it::adminClient(gw);
  it::SyncClient client(gw.port(), it::enrollDevice(admin, "raw", gw.config().site, "op-raw"));
  const auto start = Clock::now();
  for (int64_t sent = 0; sent < total; sent += 1000) {
    std::vector<it::Json> writes;
    for (int64_t i = sent; i < std::min<int64_t>(total, sent + 1000); ++i)
      writes.push_back(it::createWrite(
          "gate_event",
          {{"direction", "in"}, {"equipment_id", "R" + std::to_string(i)}, {"lane", "1"}}));
    client.sync(std::move(writes), {}, std::nullopt, 1);
  }
  return static_cast<double>(total) / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace
}  // namespace yard::bench

int main(int argc, char** argv) {
  using namespace yard::bench;
  BenchArgs args(argc, argv, kUsage);
  const int phones = static_cast<int>(args.integer("phones", 500, 20));
  const int writes = static_cast<int>(args.integer("writes", 20, 5));
  const int threads = static_cast<int>(args.integer("threads", 256, 8));
  args.finish();
  printHeader(std::cout, "phone_reconnect_bench", args.small(), 1);

  Table table({"gateway max_threads", "phones", "writes reconciled", "storm s", "writes/s",
               "peak RSS MiB", "converged"});
  bool all_converged = true;
  for (int t : {threads, phones + 16}) {
    StormFigures f = storm(phones, writes, t);
    all_converged = all_converged && f.converged;
    table.add({std::to_string(t), std::to_string(phones), std::to_string(f.writes),
               fixed(f.seconds, 2), fixed(f.seconds > 0 ? f.writes / f.seconds : 0, 0),
               fixed(f.peak_rss_kib / 1024.0, 1), f.converged ? "yes" : "NO " + f.problem});
  }
  const double raw = rawRate(int64_t{phones} * writes);
  table.print(std::cout);
  std::cout << "limit: the same " << int64_t{phones} * writes
            << " writes from one client in batches of 1000: " << fixed(raw, 0) << " writes/s\n"
            << "load average at end: " << loadAverage() << "\n";
  printGoal(std::cout, "every phone reconciled and equal to the gateway",
            all_converged ? "yes" : "no", "yes", all_converged);
  return all_converged ? 0 : 1;
}
