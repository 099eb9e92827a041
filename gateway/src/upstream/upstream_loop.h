#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "core/backoff.h"
#include "core/record.h"
#include "core/round_schedule.h"
#include "upstream/upstream_round.h"

namespace yard::upstream {

// What the status page says about upstream. The link is "up" only after a real round trip
// succeeded and "down" after one failed, so the page never says connected while the backlog
// grows.
struct UpstreamState {
  std::string link = "unknown";  // unknown | up | down
  int64_t last_success_ms = 0;
  int64_t last_attempt_ms = 0;
  std::string last_error;  // in words; empty after a success
  bool last_error_permanent = false;
  bool syncing = false;
  int64_t rounds = 0;
  int64_t failures = 0;
  int64_t pushed_total = 0;
  int64_t pulled_total = 0;
  int64_t conflicts_total = 0;
  int64_t rejected_total = 0;
  int64_t requests_total = 0;    // sync exchanges answered
  int64_t overlapped_total = 0;  // of which sent while another was in flight
  int64_t next_round_in_ms = 0;
};

// The gateway's upstream loop: one thread that runs UpstreamRound when RoundSchedule says so,
// backs off with full jitter while upstream is unreachable, and probes the link cheaply while
// backing off so it reconnects at once when the WAN returns. Thread-safe controls.
class UpstreamLoop {
 public:
  struct Options {
    int64_t interval_ms = 60000;
    int64_t debounce_ms = 1000;
    int64_t backoff_base_ms = 1000;
    int64_t backoff_cap_ms = 120000;
    int64_t probe_every_ms = 5000;
  };

  UpstreamLoop(std::unique_ptr<UpstreamRound> round, Transport& transport, Options options);
  ~UpstreamLoop();

  void start();
  void stop();

  // Runs after each successful round that left no record pending (the attachment step,
  // upstream/blob_uplink.h); its failure counts as the round's. Thread-safe.
  using BlobStep = std::function<Status(const std::function<bool()>& stop)>;
  void setBlobStep(BlobStep step);

  void localWrite();  // new local versions: a round soon (debounced)
  void syncNow();     // an admin asked

  UpstreamState state() const;
  core::Json stateJson() const;

 private:
  void loop();
  int64_t monotonicMs() const;
  void runRound(std::unique_lock<std::mutex>& lock);

  std::unique_ptr<UpstreamRound> round_;
  BlobStep blob_step_;  // guarded by mu_
  Transport& transport_;
  Options options_;
  core::RoundSchedule schedule_;
  core::Backoff backoff_;
  std::mt19937_64 random_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  int64_t next_probe_ = 0;
  UpstreamState state_;
  std::thread thread_;
};

}  // namespace yard::upstream
