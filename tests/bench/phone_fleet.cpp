#include "phone_fleet.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench_report.h"
#include "proc_stats.h"
#include "record_factory.h"

namespace yard::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxRetries = 10;

// What one phone saw during one phase.
struct Tally {
  std::vector<double> latency_ms;
  int64_t accepted = 0;
  int64_t not_accepted = 0;  // conflict or rejected: never expected for new records
  int64_t failed_requests = 0;
  int64_t retried = 0;  // 503 answers, each followed by a resend of the same batch
  std::string retry_reason;
  int64_t changes = 0;
  bool pool_ran_out = false;
  std::string first_error;
};

// Lets every phone thread go at once.
class StartGate {
 public:
  void arrive() {
    std::lock_guard lock(mu_);
    ++arrived_;
    cv_.notify_all();
  }
  void waitFor(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return arrived_ >= n; });
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void waitOpen() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t arrived_ = 0;
  bool open_ = false;
};

Json adminStatus(const it::DaemonProcess& daemon) {
  it::HttpClient admin = it::adminClient(daemon);
  auto r = admin.get("/v1/status");
  if (r.status != 200) throw std::runtime_error("GET /v1/status: " + r.describe());
  return r.json;
}

int64_t commits(const Json& status, const char* what) {
  return status.at("commits").at(what).get<int64_t>();
}

}  // namespace

struct PhoneFleet::Phone {
  Phone(int port, it::Enrolment e) : enrolment(e), client(port, std::move(e)) {}
  it::Enrolment enrolment;
  it::SyncClient client;
  std::vector<std::string> pool;  // serialized "writes" arrays
  size_t next = 0;
  std::string cursor;

  void send(int limit, Clock::duration interval, Clock::time_point first_due,
            const std::atomic<bool>& stop, Tally& tally);
};

PhoneFleet::PhoneFleet(const it::DaemonProcess& daemon, const std::string& site, int phones,
                       int batch, int pool, PullMode mode, uint64_t seed)
    : daemon_(daemon), daemon_pid_(findProcess(daemon.configPath())), batch_(batch), mode_(mode) {
  it::HttpClient admin = it::adminClient(daemon);
  for (int p = 1; p <= phones; ++p)
    phones_.push_back(std::make_unique<Phone>(
        daemon.port(),
        it::enrollDevice(admin, "dev-" + std::to_string(p), site, "op-" + std::to_string(p))));
  std::vector<std::string> errors(phones_.size());
  std::vector<std::thread> threads;
  for (size_t p = 0; p < phones_.size(); ++p) {
    threads.emplace_back([&, p] {
      Phone& phone = *phones_[p];
      RecordFactory factory(site, seed * 1000 + p);
      const Author author{phone.enrolment.id, phone.enrolment.operator_id, ""};
      for (int b = 0; b < pool; ++b) {
        Json writes = Json::array();
        for (int w = 0; w < batch; ++w) {
          Json write = RecordFactory::phoneWrite(factory.fresh(author));
          if (mode.own_records_only)
            write["assigned_to"] = Json::array({phone.enrolment.operator_id});
          writes.push_back(std::move(write));
        }
        phone.pool.push_back(writes.dump());
      }
      try {
        phone.cursor = phone.client.sync({}, {}, std::nullopt, 1).at("cursor").get<std::string>();
      } catch (const std::exception& e) {
        errors[p] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors)
    if (!e.empty()) throw std::runtime_error("a phone could not sync: " + e);
}

PhoneFleet::~PhoneFleet() = default;

void PhoneFleet::Phone::send(int limit, Clock::duration interval, Clock::time_point first_due,
                             const std::atomic<bool>& stop, Tally& tally) {
  const std::string head =
      "{\"device\":\"" + enrolment.id + "\",\"limit\":" + std::to_string(limit) + ",\"cursor\":";
  it::HttpRequest request;
  request.method = "POST";
  request.path = "/v1/sync";
  Clock::time_point due = first_due;
  while (!stop.load()) {
    if (next >= pool.size()) {
      tally.pool_ran_out = true;
      return;
    }
    if (interval.count() > 0) {
      std::this_thread::sleep_until(due);
      if (stop.load()) return;
    } else {
      due = Clock::now();
    }
    request.raw_body = head + Json(cursor).dump() + ",\"writes\":" + pool[next++] + "}";
    it::HttpResponse response;
    try {
      response = client.http().request(request);
      // 503 means "nothing was acknowledged, retry": a phone sends the same batch again after
      // Retry-After (a retransmission is harmless, DESIGN §2). Finished even after stop, so
      // every batch ends acknowledged or failed.
      for (int attempt = 0; response.status == 503 && attempt < kMaxRetries; ++attempt) {
        ++tally.retried;
        if (tally.retry_reason.empty()) tally.retry_reason = response.describe();
        const int wait_s =
            std::clamp(std::atoi(response.headers.get("Retry-After", "1").c_str()), 0, 5);
        std::this_thread::sleep_for(std::chrono::seconds(wait_s));
        response = client.http().request(request);
      }
    } catch (const std::exception& e) {
      ++tally.failed_requests;
      if (tally.first_error.empty()) tally.first_error = e.what();
      due += interval;
      continue;
    }
    tally.latency_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - due).count());
    due += interval;
    if (response.status != 200 || !response.isJson()) {
      ++tally.failed_requests;
      if (tally.first_error.empty()) tally.first_error = response.describe();
      continue;
    }
    for (const auto& result : response.json.at("results")) {
      if (result.at("status") == "accepted")
        ++tally.accepted;
      else
        ++tally.not_accepted;
    }
    tally.changes += static_cast<int64_t>(response.json.at("changes").size());
    cursor = response.json.at("cursor").get<std::string>();
  }
}

PhaseFigures PhoneFleet::run(std::chrono::seconds duration, Clock::duration interval,
                             const std::string& label) {
  PhaseFigures fig;
  StartGate gate;
  std::atomic<bool> stop{false};
  std::vector<Tally> tallies(phones_.size());
  Clock::time_point start;
  std::vector<std::thread> threads;
  for (size_t p = 0; p < phones_.size(); ++p) {
    threads.emplace_back([&, p] {
      gate.arrive();
      gate.waitOpen();  // start is set before the gate opens
      const auto offset = interval * static_cast<int64_t>(p) / static_cast<int64_t>(phones_.size());
      phones_[p]->send(mode_.limit, interval, start + offset, stop, tallies[p]);
    });
  }
  gate.waitFor(phones_.size());
  const Json before = adminStatus(daemon_);
  const double daemon_cpu0 = cpuSeconds(daemon_pid_);
  const double writer_cpu0 = threadCpuSeconds(daemon_pid_, "yard-writer");
  const double own_cpu0 = ownCpuSeconds();
  start = Clock::now();
  gate.open();
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double daemon_cpu = cpuSeconds(daemon_pid_) - daemon_cpu0;
  const double writer_cpu = threadCpuSeconds(daemon_pid_, "yard-writer") - writer_cpu0;
  const double own_cpu = ownCpuSeconds() - own_cpu0;
  const Json after = adminStatus(daemon_);

  Samples latency;
  int64_t answers = 0, changes = 0;
  bool ran_out = false;
  std::string error, retry_reason;
  for (const auto& t : tallies) {
    for (double ms : t.latency_ms) latency.add(ms);
    fig.accepted += t.accepted;
    fig.problems += t.not_accepted + t.failed_requests;
    fig.retried += t.retried;
    answers += static_cast<int64_t>(t.latency_ms.size());
    changes += t.changes;
    ran_out = ran_out || t.pool_ran_out;
    if (error.empty()) error = t.first_error;
    if (retry_reason.empty()) retry_reason = t.retry_reason;
  }
  if (fig.retried > 0)
    std::cout << "  " << label << ": " << fig.retried
              << " answers were 503, each followed by a resend after Retry-After; first: "
              << retry_reason.substr(0, 200) << "\n";
  if (!error.empty()) {
    std::cout << "  " << label << ": a phone failed: " << error.substr(0, 300) << "\n";
    fig.problems = std::max<int64_t>(fig.problems, 1);
  }
  fig.pool_ran_out = ran_out;
  if (ran_out)
    std::cout << "  " << label << ": a phone used up its " << phones_[0]->pool.size()
              << " prepared batches before the time was up (raise --pool)\n";
  const double accepted = static_cast<double>(std::max<int64_t>(1, fig.accepted));
  fig.rate = static_cast<double>(fig.accepted) / elapsed;
  fig.p50 = latency.percentile(50);
  fig.p99 = latency.percentile(99);
  fig.daemon_cpu_us = daemon_cpu / accepted * 1e6;
  fig.writer_cpu_us = writer_cpu / accepted * 1e6;
  fig.client_cpu_us = own_cpu / accepted * 1e6;
  fig.cpu_busy =
      (daemon_cpu + own_cpu) / (elapsed * static_cast<double>(std::thread::hardware_concurrency()));
  const int64_t groups = commits(after, "groups") - commits(before, "groups");
  const int64_t jobs = commits(after, "batches") - commits(before, "batches");
  fig.writes_per_commit =
      groups ? static_cast<double>(jobs) * batch_ / static_cast<double>(groups) : 0;
  fig.changes_per_answer =
      answers ? static_cast<double>(changes) / static_cast<double>(answers) : 0;
  // Every accepted write must be in the store (the daemon keeps a record count).
  const int64_t stored = after.value("records", int64_t{-1}) - before.value("records", int64_t{0});
  if (stored != fig.accepted) {
    std::cout << "  " << label << ": the daemon stored " << stored << " records but accepted "
              << fig.accepted << " writes\n";
    ++fig.problems;
  }
  return fig;
}

}  // namespace yard::bench
