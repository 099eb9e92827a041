#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/reconciler.h"
#include "status/activity_history.h"

namespace yard::status {

// The counters the node keeps for /metrics and the status page that no other part owns: sync
// writes by outcome, what plugins count through the host, errors plugins log, and the per-minute
// activity history (sampled by a background thread). Everything else the page and /metrics show
// is read from its owner when asked. Thread-safe.
class NodeTelemetry {
 public:
  // What the sampler reads from the rest of the node: requests served so far and the upstream
  // backlog. The write counters are filled in here.
  using Probe = std::function<ActivityTotals()>;

  NodeTelemetry();
  ~NodeTelemetry();
  NodeTelemetry(const NodeTelemetry&) = delete;
  NodeTelemetry& operator=(const NodeTelemetry&) = delete;

  void countWrite(core::WriteStatus status);
  // Registers plugin (so its error count shows, zero included) and returns the counter to give
  // its PluginHost: what the plugin counts becomes yard_plugin_<name>_total{plugin}.
  std::function<void(const std::string&, const std::string&, double)> pluginCounter(
      const std::string& plugin);

  // Counts error lines that plugin instances log through the host ("[storage.sqlite] ..."), via
  // a sink on spdlog's default logger. Call while no other thread logs (start-up, shutdown).
  void attachLog();
  void detachLog();

  // Observes probe() every every_ms (and once at once) into the history, until stopSampling().
  void startSampling(Probe probe, int64_t every_ms = 10000);
  void stopSampling();

  // {"accepted","conflict","rejected"}: writes answered so far, by outcome.
  core::Json writesJson() const;
  // {"<plugin instance>": {"errors": n, "counters": {"<name>": value}}}.
  core::Json pluginsJson() const;
  // Samples now, then returns ActivityHistory::toJson.
  core::Json historyJson(int64_t now_ms);

  // Totals the history is fed with: probe() (while sampling) plus the write counters.
  ActivityTotals totals();

 private:
  struct Shared;  // held by the log sink too, which may outlive a detach in flight
  class ErrorSink;

  void samplerLoop(int64_t every_ms);

  std::shared_ptr<Shared> shared_;
  std::shared_ptr<ErrorSink> sink_;
  ActivityHistory history_;
  std::mutex probe_mu_;
  Probe probe_;  // cleared by stopSampling(): totals() then counts only writes
  std::mutex sampler_mu_;
  std::condition_variable sampler_wake_;
  bool sampler_stop_ = false;
  std::thread sampler_;
};

// The resident set size of this process in bytes (0 when /proc is unreadable).
int64_t residentMemoryBytes();

}  // namespace yard::status
