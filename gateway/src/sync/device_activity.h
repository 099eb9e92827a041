#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "core/record.h"
#include "core/status.h"
#include "store/store.h"

namespace yard::sync {

// What the node last saw of each device: when it synced, over which channel, how many writes it
// still holds, how far its clock is from ours. Kept in memory on the request path and written to
// the device rows with the next write transaction (flush), so a pull-only sync never costs an
// fsync. After a crash the values may be one batch old; they are informational only.
class DeviceActivity {
 public:
  struct Entry {
    int64_t last_sync_ms = 0;
    std::string channel;
    int64_t pending = 0;
    int64_t clock_skew_ms = 0;  // client_time minus node time at receipt (0: unknown)
  };

  void record(const std::string& device, const Entry& entry);
  // Entry from memory, else from the stored state_doc.
  Entry get(const std::string& device, const std::string& state_doc) const;

  // Writes dirty entries into their device rows. Runs inside the commit queue's hook.
  Status flush(store::Txn& txn);

  static core::Json toJson(const Entry& entry);
  static Entry fromJson(const std::string& state_doc);

 private:
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::set<std::string> dirty_;
};

}  // namespace yard::sync
