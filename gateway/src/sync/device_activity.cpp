#include "sync/device_activity.h"

namespace yard::sync {

void DeviceActivity::record(const std::string& device, const Entry& entry) {
  std::lock_guard lock(mu_);
  entries_[device] = entry;
  dirty_.insert(device);
}

DeviceActivity::Entry DeviceActivity::get(const std::string& device,
                                          const std::string& state_doc) const {
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(device); it != entries_.end()) return it->second;
  }
  return fromJson(state_doc);
}

Status DeviceActivity::flush(store::Txn& txn) {
  std::map<std::string, Entry> dirty;
  {
    std::lock_guard lock(mu_);
    for (const auto& id : dirty_) dirty[id] = entries_[id];
    dirty_.clear();
  }
  for (const auto& [id, entry] : dirty) {
    auto row = txn.getDevice(id);
    if (!row.isOk()) return row.status();
    if (!row->has_value()) continue;
    store::DeviceRow updated = std::move(**row);
    updated.state_doc = toJson(entry).dump();
    if (Status s = txn.putDevice(updated); !s.isOk()) return s;
  }
  return Status::ok();
}

core::Json DeviceActivity::toJson(const Entry& entry) {
  return core::Json{{"last_sync_ms", entry.last_sync_ms},
                    {"channel", entry.channel},
                    {"pending", entry.pending},
                    {"clock_skew_ms", entry.clock_skew_ms}};
}

DeviceActivity::Entry DeviceActivity::fromJson(const std::string& state_doc) {
  Entry e;
  auto json = core::Json::parse(state_doc, nullptr, false);
  if (!json.is_object()) return e;
  e.last_sync_ms = json.value("last_sync_ms", int64_t{0});
  e.channel = json.value("channel", std::string());
  e.pending = json.value("pending", int64_t{0});
  e.clock_skew_ms = json.value("clock_skew_ms", int64_t{0});
  return e;
}

}  // namespace yard::sync
