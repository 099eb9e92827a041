// Hub scale-out on PostgreSQL (issue 9): the hub tier's accept rate with 1 and with 2 hub
// processes on one database, against the raw insert rate of the same rows into the same
// server in the same run, and where the limit is.
//
// A throwaway cluster (fsync on, synchronous_commit on: the durability the plugin
// acknowledges with) serves everything. Each figure starts from a fresh database. Node clients
// (gateways as far as the hubs can tell) post the same stamped writes, 500 per request as a
// gateway's upstream round does, `clients` of them at once, spread over the hubs as a load
// balancer would. The raw reference inserts the very same rows with `clients` libpq
// connections, one prepared INSERT per row, 500 rows per transaction. CPU time of the hubs,
// of the server's processes and of this benchmark (the clients) is read from /proc, so the
// table says which of them ran out of the box's cores.

#include <atomic>
#include <iostream>
#include <memory>
#include <thread>

#include "bench_args.h"
#include "bench_report.h"
#include "harness/sync_client.h"
#include "hub_tier.h"
#include "proc_stats.h"
#include "raw_postgres.h"
#include "record_factory.h"

namespace yard::bench {
namespace {

using Clock = std::chrono::steady_clock;

const char* const kUsage =
    "hub_scaleout_bench [--small] [--runs N] [--records 40000] [--clients 4]\n"
    "  --records  stamped writes posted per figure\n"
    "  --clients  node clients posting at once (and raw connections)";

const std::string kSite = "yard-scale";
constexpr size_t kBatch = 500;

struct Figure {
  double rate = 0;  // records/s
  double seconds = 0;
  double hub_cpu = 0, db_cpu = 0, client_cpu = 0;  // CPU seconds / wall seconds
  int64_t problems = 0;
};

// The writes, kBatch per request body, and the same rows for the raw reference.
struct Workload {
  std::vector<std::string> batches;
  std::vector<RawRecord> rows;
};

Workload makeWorkload(int64_t records) {
  Workload w;
  RecordFactory factory(kSite, 9);
  const Author author{"dev-bench", "op-bench", "gw-bench"};
  Json batch = Json::array();
  for (int64_t i = 0; i < records; ++i) {
    const core::Record r = factory.aged(author, 1764000000000 + i / 10, static_cast<int>(i % 10));
    batch.push_back(RecordFactory::nodeWrite(r));
    w.rows.push_back({r.id, r.site, r.type, r.stamp, RecordFactory::storedDoc(r)});
    if (batch.size() == kBatch || i + 1 == records) {
      w.batches.push_back(batch.dump());
      batch = Json::array();
    }
  }
  return w;
}

Figure hubAcceptRate(test::PostgresCluster& pg, int hubs, const Workload& work, int clients) {
  test::HubTier tier(pg, hubs, kSite);
  it::HttpClient admin = it::adminClient(tier.hub(0));
  const it::Enrolment node = it::enrollDevice(admin, "gw-bench", kSite, "", /*node=*/true);
  std::vector<pid_t> pids;
  for (size_t i = 0; i < tier.size(); ++i) pids.push_back(findProcess(tier.hub(i).configPath()));

  std::atomic<size_t> next{0};
  std::atomic<int64_t> accepted{0}, problems{0};
  auto client = [&](int c) {
    it::HttpClient http(tier.hub(static_cast<size_t>(c) % tier.size()).port(),
                        std::chrono::seconds(300));
    http.setToken(node.token);
    it::HttpRequest request;
    request.method = "POST";
    request.path = "/v1/sync";
    for (size_t i; (i = next++) < work.batches.size();) {
      // The gateway's round request, without a pull (the benchmark measures accepting).
      request.raw_body =
          "{\"device\":\"gw-bench\",\"cursor\":null,\"limit\":1,\"brief\":true,"
          "\"writes\":" +
          work.batches[i] + "}";
      const it::HttpResponse r = http.request(request);
      if (r.status != 200 || !r.isJson()) {
        std::cout << "  hub answered " << r.describe().substr(0, 300) << "\n";
        ++problems;
        continue;
      }
      for (const auto& result : r.json.at("results"))
        if (result.at("status") == "accepted") ++accepted;
    }
  };
  double hub0 = 0;
  for (pid_t p : pids) hub0 += cpuSeconds(p);
  const double db0 = pg.serverCpuSeconds(), own0 = ownCpuSeconds();
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) threads.emplace_back(client, c);
  for (auto& t : threads) t.join();
  Figure f;
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  double hub1 = 0;
  for (pid_t p : pids) hub1 += cpuSeconds(p);
  f.hub_cpu = (hub1 - hub0) / f.seconds;
  f.db_cpu = (pg.serverCpuSeconds() - db0) / f.seconds;
  f.client_cpu = (ownCpuSeconds() - own0) / f.seconds;
  f.rate = static_cast<double>(accepted) / f.seconds;
  f.problems = problems;
  if (accepted != static_cast<int64_t>(work.rows.size())) {
    std::cout << "  " << accepted << " of " << work.rows.size() << " writes accepted\n";
    ++f.problems;
  }
  return f;
}

Figure rawRate(test::PostgresCluster& pg, const Workload& work, int clients) {
  const std::string db = pg.createDatabase("raw");
  const double db0 = pg.serverCpuSeconds(), own0 = ownCpuSeconds();
  const RawInsertResult r =
      rawPostgresInsert(pg.conninfo(db), work.rows, kBatch, static_cast<size_t>(clients));
  Figure f;
  f.seconds = r.seconds;
  f.rate = r.rowsPerSecond();
  f.db_cpu = (pg.serverCpuSeconds() - db0) / r.seconds;
  f.client_cpu = (ownCpuSeconds() - own0) / r.seconds;
  return f;
}

std::string pct(double share) { return fixed(share * 100, 0) + "%"; }

int runBench(int argc, char** argv) {
  BenchArgs args(argc, argv, kUsage);
  const int runs = args.runs(3, 1);
  const int64_t records = args.integer("records", 40000, 3000);
  const int clients = static_cast<int>(args.integer("clients", 4, 2));
  args.finish();
  if (runs < 1 || records < 1 || clients < 1) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  if (!test::PostgresCluster::available()) {
    std::cerr << "PostgreSQL server binaries are not installed (apt-get install postgresql)\n";
    return 2;
  }
  printHeader(std::cout, "hub_scaleout_bench", args.small(), runs);
  std::cout << records << " stamped writes per figure, " << kBatch << " per request, " << clients
            << " clients; PostgreSQL with fsync and synchronous_commit on\n\n";

  const Workload work = makeWorkload(records);
  test::PostgresCluster pg(test::PostgresCluster::Options{/*fsync=*/true});
  Table table({"run", "what", "rec/s", "s", "hubs CPU", "PostgreSQL CPU", "clients CPU"});
  Samples one, two, raw;
  int64_t problems = 0;
  auto add = [&](int run, const char* what, const Figure& f, Samples& s) {
    s.add(f.rate);
    problems += f.problems;
    table.add({std::to_string(run), what, fixed(f.rate, 0), fixed(f.seconds, 2),
               f.hub_cpu > 0 ? pct(f.hub_cpu) : "-", pct(f.db_cpu), pct(f.client_cpu)});
  };
  for (int run = 1; run <= runs; ++run) {
    add(run, "1 hub", hubAcceptRate(pg, 1, work, clients), one);
    add(run, "2 hubs", hubAcceptRate(pg, 2, work, clients), two);
    add(run, "raw INSERT", rawRate(pg, work, clients), raw);
  }
  table.add({"median", "1 hub", one.spread(0)});
  table.add({"median", "2 hubs", two.spread(0)});
  table.add({"median", "raw INSERT", raw.spread(0)});
  table.print(std::cout);
  std::cout << "\n2 hubs / 1 hub: " << fixed(two.median() / one.median(), 2)
            << "x; 2 hubs / raw INSERT: " << fixed(two.median() / raw.median(), 2) << "x\n"
            << "CPU columns: CPU seconds per wall second (100% = one core of "
            << std::thread::hardware_concurrency() << ")\n";
  std::cout << "\nload average at end: " << loadAverage() << "\n";
  if (problems > 0) std::cout << "PROBLEMS: " << problems << " (figures are suspect)\n";
  return problems > 0 ? 1 : 0;
}

}  // namespace
}  // namespace yard::bench

int main(int argc, char** argv) { return yard::bench::runBench(argc, argv); }
