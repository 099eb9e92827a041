// Cost must not grow with store size (issue 2, Performance): one sync of 100 new writes against
// a store of 1,000,000 records within 1.5x of the same against 10,000; and the daemon's idle RSS
// with 1M records under 40 MiB.
//
// Each store is preloaded straight through the sqlite storage plugin (large transactions) with
// records as a site accumulates them (the three types, every workflow state, 40 phones, a month
// of stamps), with their write ids, then the daemon starts on that data dir. A phone enrolls and
// catches up with the change feed first (its cursor at the end, as a phone in daily use has it),
// then each measured sync sends 100 new records with that cursor. The two daemons run side by
// side and the rounds of syncs alternate between them, so a change in machine load hits both.

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "bench_args.h"
#include "bench_report.h"
#include "harness/daemon_process.h"
#include "harness/sync_client.h"
#include "proc_stats.h"
#include "record_factory.h"
#include "store_preload.h"

namespace yard::bench {
namespace {

using Clock = std::chrono::steady_clock;

const char* const kUsage =
    "store_size_bench [--small] [--runs N] [--sizes 10000,1000000] [--syncs 20] [--batch 100]\n"
    "  --sizes  store sizes in records; the first is the reference, the others are compared to it\n"
    "  --syncs  measured syncs per round (a round per run and size; the median is reported)\n"
    "  --batch  new records per measured sync";

const std::string kSite = "yard-big";
const std::string kNode = "gw-big";
constexpr int64_t kMonthMs = 30LL * 24 * 3600 * 1000;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double mib(int64_t kib) { return static_cast<double>(kib) / 1024.0; }

// One store size: its daemon, its phone, and what was measured on it.
struct SizedStore {
  int64_t records = 0;
  std::unique_ptr<it::DaemonProcess> daemon;
  std::unique_ptr<it::SyncClient> phone;
  std::unique_ptr<RecordFactory> factory;
  pid_t pid = -1;
  std::string cursor;
  double preload_s = 0, start_s = 0, catch_up_s = 0;
  int64_t db_bytes = 0;
  int64_t rss_start_kib = 0, rss_caught_up_kib = 0, rss_after_kib = 0;
  Samples sync_ms;       // every measured sync
  Samples round_median;  // the median of each round
  int64_t problems = 0;
};

int64_t fileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

void prepare(SizedStore& s) {
  it::DaemonConfig config;
  config.node_id = kNode;
  config.site = kSite;
  s.daemon = std::make_unique<it::DaemonProcess>(config);
  std::filesystem::create_directories(s.daemon->dataDir());
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  {
    DirectStore direct(s.daemon->dataDir());
    RecordFactory factory(kSite, static_cast<uint64_t>(s.records));
    PreloadPlan plan;
    plan.site = kSite;
    plan.node = kNode;
    plan.records = s.records;
    plan.first_ms = now - kMonthMs;
    plan.step_ms = std::max<int64_t>(1, kMonthMs / std::max<int64_t>(1, s.records));
    const PreloadResult loaded = preloadStore(direct.store(), factory, plan);
    s.preload_s = loaded.seconds;
  }
  s.db_bytes =
      fileSize(s.daemon->dataDir() + "/yard.db") + fileSize(s.daemon->dataDir() + "/yard.db-wal");

  const auto t0 = Clock::now();
  s.daemon->start();
  s.start_s = secondsSince(t0);
  s.pid = findProcess(s.daemon->configPath());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  s.rss_start_kib = vmRssKib(s.pid);

  it::HttpClient admin = it::adminClient(*s.daemon);
  s.phone = std::make_unique<it::SyncClient>(
      s.daemon->port(), it::enrollDevice(admin, "bench-phone", kSite, "op-bench"));
  // Catch up with the change feed, as a phone that has been on site for a while has.
  const auto t1 = Clock::now();
  std::optional<std::string> cursor;
  for (;;) {
    Json page = s.phone->sync({}, {}, cursor, 1000);
    cursor = page.at("cursor").get<std::string>();
    if (!page.at("more").get<bool>()) break;
  }
  s.catch_up_s = secondsSince(t1);
  s.cursor = *cursor;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  s.rss_caught_up_kib = vmRssKib(s.pid);
  s.factory = std::make_unique<RecordFactory>(kSite, 7 + static_cast<uint64_t>(s.records));
}

// A round of measured syncs: each sends batch new records with the phone's cursor.
void measureRound(SizedStore& s, int syncs, int batch) {
  Samples round;
  const Author author{"bench-phone", "op-bench", ""};
  for (int i = 0; i < syncs; ++i) {
    std::vector<Json> writes;
    for (int w = 0; w < batch; ++w)
      writes.push_back(RecordFactory::phoneWrite(s.factory->fresh(author)));
    const Json request = s.phone->request(std::move(writes), {}, s.cursor, 500);
    const auto t0 = Clock::now();
    const it::HttpResponse response = s.phone->post(request);
    const double ms = secondsSince(t0) * 1000;
    if (response.status != 200 || !response.isJson()) {
      std::cout << "  " << s.records
                << " records: sync failed: " << response.describe().substr(0, 300) << "\n";
      ++s.problems;
      continue;
    }
    for (const auto& result : response.json.at("results"))
      if (result.at("status") != "accepted") ++s.problems;
    s.cursor = response.json.at("cursor").get<std::string>();
    round.add(ms);
    s.sync_ms.add(ms);
  }
  s.round_median.add(round.median());
}

int runBench(int argc, char** argv) {
  BenchArgs args(argc, argv, kUsage);
  const int runs = args.runs(3, 2);
  const std::vector<int64_t> sizes = args.integers("sizes", {10000, 1000000}, {10000, 50000});
  const int syncs = static_cast<int>(args.integer("syncs", 20, 20));
  const int batch = static_cast<int>(args.integer("batch", 100, 100));
  args.finish();
  if (sizes.size() < 2 || runs < 1 || syncs < 1 || batch < 1) {
    std::cerr << kUsage << "\n";
    return 2;
  }

  printHeader(std::cout, "store_size_bench", args.small(), runs);
  std::vector<SizedStore> stores(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    stores[i].records = sizes[i];
    std::cout << "preloading " << sizes[i] << " records and starting the daemon..." << std::flush;
    prepare(stores[i]);
    std::cout << " done\n";
  }
  std::cout << "\n";

  // Warm-up: one sync each (first use of the statements, the connection, the page cache).
  for (auto& s : stores) measureRound(s, 1, batch);
  for (auto& s : stores) s.sync_ms = Samples(), s.round_median = Samples();
  for (int run = 0; run < runs; ++run)
    for (auto& s : stores) measureRound(s, syncs, batch);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (auto& s : stores) s.rss_after_kib = vmRssKib(s.pid);

  Table table({"records", "db MiB", "preload s", "start s", "catch-up pull s",
               "sync of " + std::to_string(batch) + ": median ms (round medians min-max)", "p90 ms",
               "ratio to " + std::to_string(sizes[0]), "RSS after start MiB", "after catch-up MiB",
               "after syncs MiB"});
  const double reference = stores[0].sync_ms.median();
  int64_t problems = 0;
  for (auto& s : stores) {
    const double ratio = s.sync_ms.median() / reference;
    table.add({std::to_string(s.records), fixed(static_cast<double>(s.db_bytes) / 1048576.0, 0),
               fixed(s.preload_s, 1), fixed(s.start_s, 2), fixed(s.catch_up_s, 1),
               fixed(s.sync_ms.median(), 1) + " (" + fixed(s.round_median.min(), 1) + "-" +
                   fixed(s.round_median.max(), 1) + ")",
               fixed(s.sync_ms.percentile(90), 1), fixed(ratio, 2), fixed(mib(s.rss_start_kib), 1),
               fixed(mib(s.rss_caught_up_kib), 1), fixed(mib(s.rss_after_kib), 1)});
    problems += s.problems;
  }
  table.print(std::cout);
  std::cout << "\nload average at end: " << loadAverage() << "\n";
  if (problems > 0)
    std::cout << "PROBLEMS: " << problems << " syncs failed or writes not accepted\n";
  const SizedStore& big = stores.back();
  const double ratio = big.sync_ms.median() / reference;
  printGoal(std::cout,
            "sync of " + std::to_string(batch) + " writes, " + std::to_string(big.records) +
                " vs " + std::to_string(sizes[0]) + " records",
            fixed(ratio, 2) + "x", "<= 1.5x", ratio <= 1.5);
  const int64_t worst_rss = std::max(big.rss_start_kib, big.rss_after_kib);
  printGoal(std::cout,
            "idle RSS with " + std::to_string(big.records) +
                " records (worst of after start, after syncs)",
            fixed(mib(worst_rss), 1) + " MiB", "< 40 MiB", worst_rss < 40 * 1024);
  return problems > 0 ? 1 : 0;
}

}  // namespace
}  // namespace yard::bench

int main(int argc, char** argv) { return yard::bench::runBench(argc, argv); }
