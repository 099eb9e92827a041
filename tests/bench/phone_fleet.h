#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/daemon_process.h"
#include "harness/sync_client.h"

namespace yard::bench {

// How the phones of a fleet pull: the limit they send, and whether their records are assigned
// to their own operator (invisible to the other phones) or to the whole site.
struct PullMode {
  int limit = 500;
  bool own_records_only = false;
};

// What a fleet did in one phase.
struct PhaseFigures {
  double rate = 0;           // accepted writes per second
  double p50 = 0, p99 = 0;   // batch latency, ms
  double daemon_cpu_us = 0;  // daemon CPU per accepted write
  double writer_cpu_us = 0;  // of which on its writer thread: 1e6 / this bounds writes/s
  double client_cpu_us = 0;  // this process's CPU per accepted write (the phones)
  double cpu_busy = 0;       // (daemon + phones) CPU / (elapsed x cpus)
  double writes_per_commit = 0;
  double changes_per_answer = 0;
  int64_t accepted = 0;
  int64_t retried = 0;   // 503 answers (the phone waits Retry-After and sends the batch again)
  int64_t problems = 0;  // failed requests, writes not accepted, records missing
  bool pool_ran_out =
      false;  // a phone had nothing left to send: the rate is the pool's, not the daemon's
};

// Phones syncing with one daemon over HTTP for the throughput benchmark, each on its own thread
// with its own keep-alive HttpClient. Every request carries the phone's next prepared batch of
// new records and the cursor of its previous answer, as a phone does. All batches are built
// before any clock starts, so during a phase the phones only send and read answers.
class PhoneFleet {
 public:
  // Enrolls `phones` phones (dev-N, operator op-N) of site, builds `pool` batches of `batch`
  // records for each, and syncs each once (opens its connection, gets its cursor). Throws
  // std::runtime_error if a phone cannot sync.
  PhoneFleet(const it::DaemonProcess& daemon, const std::string& site, int phones, int batch,
             int pool, PullMode mode, uint64_t seed);
  ~PhoneFleet();

  // One phase of `duration`: every phone sends back to back (interval zero) or one batch per
  // interval, the phones spread evenly over it. Latency is timed from each batch's scheduled
  // send time, so a late send counts. Prints a line for anything that went wrong.
  PhaseFigures run(std::chrono::seconds duration, std::chrono::steady_clock::duration interval,
                   const std::string& label);

 private:
  struct Phone;

  const it::DaemonProcess& daemon_;
  pid_t daemon_pid_;
  int batch_;
  PullMode mode_;
  std::vector<std::unique_ptr<Phone>> phones_;
};

}  // namespace yard::bench
