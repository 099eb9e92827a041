#include "status/node_telemetry.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>

#include "core/wall_clock.h"

namespace yard::status {
namespace {}  // namespace

struct NodeTelemetry::Shared {
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> conflict{0};
  std::atomic<uint64_t> rejected{0};
  std::mutex mu;
  std::map<std::string, uint64_t> plugin_errors;
  std::map<std::string, std::map<std::string, double>> plugin_counters;
};

// Counts error-level lines whose subsystem tag names a plugin instance: plugin instances are
// named "<kind>.<name>" (PluginHost), the daemon's own subsystems have no dot ("[http]").
class NodeTelemetry::ErrorSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit ErrorSink(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (msg.level < spdlog::level::err) return;
    const std::string_view text(msg.payload.data(), msg.payload.size());
    if (text.size() < 3 || text.front() != '[') return;
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return;
    const std::string_view tag = text.substr(1, close - 1);
    if (tag.find('.') == std::string_view::npos) return;
    std::lock_guard lock(shared_->mu);
    ++shared_->plugin_errors[std::string(tag)];
  }
  void flush_() override {}

 private:
  std::shared_ptr<Shared> shared_;
};

NodeTelemetry::NodeTelemetry() : shared_(std::make_shared<Shared>()) {}

NodeTelemetry::~NodeTelemetry() {
  stopSampling();
  detachLog();
}

void NodeTelemetry::countWrite(core::WriteStatus status) {
  switch (status) {
    case core::WriteStatus::kAccepted:
      ++shared_->accepted;
      break;
    case core::WriteStatus::kConflict:
      ++shared_->conflict;
      break;
    case core::WriteStatus::kRejected:
      ++shared_->rejected;
      break;
  }
}

std::function<void(const std::string&, const std::string&, double)> NodeTelemetry::pluginCounter(
    const std::string& plugin) {
  {
    std::lock_guard lock(shared_->mu);
    shared_->plugin_errors.try_emplace(plugin, 0);
  }
  return
      [shared = shared_](const std::string& name_of_plugin, const std::string& name, double delta) {
        std::lock_guard lock(shared->mu);
        shared->plugin_counters[name_of_plugin][name] += delta;
      };
}

void NodeTelemetry::attachLog() {
  if (sink_) return;
  sink_ = std::make_shared<ErrorSink>(shared_);
  if (auto logger = spdlog::default_logger()) logger->sinks().push_back(sink_);
}

void NodeTelemetry::detachLog() {
  if (!sink_) return;
  if (auto logger = spdlog::default_logger()) {
    auto& sinks = logger->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  sink_.reset();
}

void NodeTelemetry::startSampling(Probe probe, int64_t every_ms) {
  stopSampling();
  {
    std::lock_guard lock(probe_mu_);
    probe_ = std::move(probe);
  }
  sampler_stop_ = false;
  history_.observe(core::unixNowMs(), totals());
  sampler_ = std::thread([this, every_ms] { samplerLoop(every_ms); });
}

void NodeTelemetry::stopSampling() {
  {
    std::lock_guard lock(sampler_mu_);
    sampler_stop_ = true;
  }
  sampler_wake_.notify_all();
  if (sampler_.joinable()) sampler_.join();
  std::lock_guard lock(probe_mu_);
  probe_ = nullptr;
}

void NodeTelemetry::samplerLoop(int64_t every_ms) {
  std::unique_lock lock(sampler_mu_);
  while (!sampler_wake_.wait_for(lock, std::chrono::milliseconds(every_ms),
                                 [this] { return sampler_stop_; })) {
    lock.unlock();
    history_.observe(core::unixNowMs(), totals());
    lock.lock();
  }
}

ActivityTotals NodeTelemetry::totals() {
  ActivityTotals t;
  {
    std::lock_guard lock(probe_mu_);
    if (probe_) t = probe_();
  }
  t.accepted = shared_->accepted.load();
  t.conflict = shared_->conflict.load();
  t.rejected = shared_->rejected.load();
  return t;
}

core::Json NodeTelemetry::writesJson() const {
  return core::Json{{"accepted", shared_->accepted.load()},
                    {"conflict", shared_->conflict.load()},
                    {"rejected", shared_->rejected.load()}};
}

core::Json NodeTelemetry::pluginsJson() const {
  std::lock_guard lock(shared_->mu);
  core::Json out = core::Json::object();
  for (const auto& [plugin, errors] : shared_->plugin_errors) out[plugin]["errors"] = errors;
  for (const auto& [plugin, counters] : shared_->plugin_counters)
    for (const auto& [name, value] : counters) out[plugin]["counters"][name] = value;
  for (auto& [plugin, entry] : out.items()) {
    if (!entry.contains("errors")) entry["errors"] = 0;
    if (!entry.contains("counters")) entry["counters"] = core::Json::object();
  }
  return out;
}

core::Json NodeTelemetry::historyJson(int64_t now_ms) {
  history_.observe(now_ms, totals());
  return history_.toJson(now_ms);
}

int64_t residentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<int64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace yard::status
