// Attachment upload throughput (issue 4, Performance): N phones each upload one photo at once
// over tus (POST + one PATCH), against the raw rate of writing and fsyncing the same bytes as N
// files from N threads on the same disk, measured in the same run. Goal: >= 70% of raw. The
// daemon's peak RSS while it does so (sampled every 20 ms). Goal: < 64 MiB.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <Poco/Crypto/DigestEngine.h>

#include "bench_args.h"
#include "bench_report.h"
#include "harness/daemon_process.h"
#include "harness/sync_client.h"
#include "proc_stats.h"
#include "tus_client.h"

namespace yard::bench {
namespace {

using Clock = std::chrono::steady_clock;

const char* const kUsage =
    "attachment_upload_bench [--small] [--runs N] [--phones 50] [--mib 5]\n"
    "  --phones  concurrent uploads (one photo each)\n"
    "  --mib     size of each photo in MiB";

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The raw limit: each thread writes its photo to a file in dir and fsyncs it. With hash, it also
// computes the SHA-256 of each piece it writes, as the gateway must (DESIGN §6: it verifies
// every upload): what the disk and the CPU allow together, before any network.
double rawSeconds(const std::string& dir, const std::vector<std::string>& photos, bool hash) {
  std::filesystem::create_directories(dir);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (size_t i = 0; i < photos.size(); ++i) {
    threads.emplace_back([&, i] {
      const std::string path = dir + "/raw-" + std::to_string(i);
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0) throw std::runtime_error("cannot write " + path);
      Poco::Crypto::DigestEngine engine("SHA256");
      // The same 128 KiB pieces the daemon writes.
      constexpr size_t kPiece = 128 * 1024;
      for (size_t off = 0; off < photos[i].size(); off += kPiece) {
        const size_t n = std::min<size_t>(kPiece, photos[i].size() - off);
        if (::write(fd, photos[i].data() + off, n) != static_cast<ssize_t>(n))
          throw std::runtime_error("short write");
        if (hash) engine.update(photos[i].data() + off, static_cast<unsigned>(n));
      }
      if (hash) (void)engine.digest();
      ::fdatasync(fd);
      ::close(fd);
    });
  }
  for (auto& t : threads) t.join();
  const double s = secondsSince(start);
  std::filesystem::remove_all(dir);
  return s;
}

struct GatewayRun {
  double seconds = 0;
  int64_t peak_rss_kib = 0;
  int failures = 0;
};

// Each phone hashed its photo when it took it (the digest goes in the upload's metadata), so
// hashing is not part of the upload: digests are computed before the clock starts.
GatewayRun gatewaySeconds(it::DaemonProcess& daemon, const std::string& token,
                          const std::vector<std::string>& photos) {
  std::vector<std::string> digests;
  for (const auto& photo : photos) digests.push_back(it::sha256Hex(photo));
  const pid_t pid = findProcess(daemon.configPath());
  std::atomic<bool> done{false};
  GatewayRun run;
  std::thread sampler([&] {
    while (!done) {
      run.peak_rss_kib = std::max(run.peak_rss_kib, vmRssKib(pid));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::atomic<int> failures{0};
  const auto start = Clock::now();
  std::vector<std::thread> phones;
  for (size_t i = 0; i < photos.size(); ++i) {
    phones.emplace_back([&, i] {
      try {
        it::TusClient tus(daemon.port(), token);
        if (tus.upload(photos[i], digests[i]).status != 204) ++failures;
      } catch (const std::exception&) {
        ++failures;
      }
    });
  }
  for (auto& t : phones) t.join();
  run.seconds = secondsSince(start);
  done = true;
  sampler.join();
  run.failures = failures;
  return run;
}

int run(int argc, char** argv) {
  BenchArgs args(argc, argv, kUsage);
  const int runs = args.runs(3, 1);
  const int phones = static_cast<int>(args.integer("phones", 50, 5));
  const int64_t mib = args.integer("mib", 5, 1);
  args.finish();
  printHeader(std::cout, "attachment_upload_bench", args.small(), runs);
  std::cout << phones << " concurrent uploads of " << mib << " MiB each, per run\n";

  it::DaemonConfig config;
  config.settings["http.max_threads"] = std::to_string(std::max(64, phones * 2));
  it::DaemonProcess daemon(config);
  daemon.start();
  it::HttpClient admin = it::adminClient(daemon);
  const std::string token = it::enrollDevice(admin, "bench-phone", "yard-a", "op-1").token;
  const std::string raw_dir = daemon.dir() + "/raw";

  Samples raw_mibs, hashed_mibs, gw_mibs, ratio, hashed_ratio;
  int64_t peak_rss_kib = 0;
  int failures = 0;
  for (int r = 0; r < runs; ++r) {
    std::vector<std::string> photos;
    for (int i = 0; i < phones; ++i)
      photos.push_back(it::randomBytes(static_cast<size_t>(mib) << 20, r * 1000 + i + 1));
    const double total_mib = static_cast<double>(phones * mib);
    const double raw_s = rawSeconds(raw_dir, photos, false);
    const double hashed_s = rawSeconds(raw_dir, photos, true);
    const GatewayRun gw = gatewaySeconds(daemon, token, photos);
    raw_mibs.add(total_mib / raw_s);
    hashed_mibs.add(total_mib / hashed_s);
    gw_mibs.add(total_mib / gw.seconds);
    ratio.add(raw_s / gw.seconds);
    hashed_ratio.add(hashed_s / gw.seconds);
    peak_rss_kib = std::max(peak_rss_kib, gw.peak_rss_kib);
    failures += gw.failures;
  }

  Table table({"figure", "median (min-max)"});
  table.add({"raw write+fsync, MiB/s (the limit)", raw_mibs.spread(1)});
  table.add({"raw write+SHA-256+fsync, MiB/s", hashed_mibs.spread(1)});
  table.add({"gateway tus uploads, MiB/s", gw_mibs.spread(1)});
  table.add({"gateway / raw", ratio.spread(2)});
  table.add({"gateway / raw with SHA-256", hashed_ratio.spread(2)});
  table.add({"gateway peak RSS, MiB", fixed(static_cast<double>(peak_rss_kib) / 1024.0, 1)});
  table.add({"failed uploads", std::to_string(failures)});
  table.print(std::cout);
  std::cout << "load average after: " << loadAverage() << "\n";
  // A run with failed uploads meets no goal: it moved fewer bytes than it timed.
  printGoal(std::cout, "upload throughput vs raw disk write+fsync", fixed(ratio.median(), 2),
            ">= 0.70", failures == 0 && ratio.median() >= 0.70);
  printGoal(std::cout, "gateway peak RSS during the uploads",
            fixed(static_cast<double>(peak_rss_kib) / 1024.0, 1) + " MiB", "< 64 MiB",
            failures == 0 && peak_rss_kib < 64 * 1024);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace yard::bench

int main(int argc, char** argv) {
  try {
    return yard::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "attachment_upload_bench: " << e.what() << "\n";
    return 2;
  }
}
