#include "mqtt/change_notifier.h"

#include <spdlog/spdlog.h>

#include "sync/sync_service.h"

namespace yard::mqtt {

std::set<std::string> devicesToNotify(const std::vector<core::Record>& changed,
                                      const std::vector<store::DeviceRow>& devices,
                                      const std::string& site) {
  std::set<std::string> out;
  for (const auto& d : devices) {
    if (d.revoked || d.site != site) continue;
    const sync::Caller caller{d.id, d.site, d.operator_id, d.node, "mqtt"};
    for (const auto& record : changed) {
      if (sync::visibleTo(record, caller)) {
        out.insert(d.id);
        break;
      }
    }
  }
  return out;
}

ChangeNotifier::ChangeNotifier(std::string site, store::Store& store,
                               std::chrono::milliseconds debounce, Send send)
    : site_(std::move(site)), store_(store), debounce_(debounce), send_(std::move(send)) {
  thread_ = std::thread([this] { run(); });
}

ChangeNotifier::~ChangeNotifier() { stop(); }

void ChangeNotifier::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ChangeNotifier::changed(const std::vector<core::Record>& records) {
  bool first = false;
  {
    std::lock_guard lock(mu_);
    const bool was_empty = pending_.empty();
    for (const auto& record : records) {
      if (record.site != site_) continue;  // no device here may see it
      if (record.assigned_to.empty()) {
        if (site_wide_pending_) continue;
        site_wide_pending_ = true;
      }
      core::Record seen;
      seen.site = record.site;
      seen.assigned_to = record.assigned_to;
      seen.origin.device = record.origin.device;
      pending_.push_back(std::move(seen));
    }
    first = was_empty && !pending_.empty();
  }
  if (first) wake_.notify_all();
}

void ChangeNotifier::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (stopping_) return;
    // The window: changes arriving until it closes are sent together.
    if (wake_.wait_for(lock, debounce_, [this] { return stopping_; })) return;
    std::vector<core::Record> batch;
    batch.swap(pending_);
    site_wide_pending_ = false;
    lock.unlock();
    flush(std::move(batch));
    lock.lock();
  }
}

void ChangeNotifier::flush(std::vector<core::Record> records) {
  auto txn = store_.begin(false);
  if (!txn.isOk()) {
    spdlog::warn("[mqtt] notify skipped: {}", txn.status().message());
    return;
  }
  auto devices = txn->listDevices();
  if (!devices.isOk()) {
    spdlog::warn("[mqtt] notify skipped: {}", devices.status().message());
    return;
  }
  for (const auto& device : devicesToNotify(records, devices.value(), site_)) send_(device);
}

}  // namespace yard::mqtt
