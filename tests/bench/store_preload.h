#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "plugin/plugin_host.h"
#include "record_factory.h"
#include "store/store.h"

namespace yard::bench {

// A node's store opened directly through the sqlite storage plugin, the way the daemon opens
// it, so a benchmark can fill a data dir quickly before the daemon starts on it. The daemon must
// not be running on the same data dir meanwhile.
class DirectStore {
 public:
  // Throws std::runtime_error when the plugin or the store cannot be opened.
  explicit DirectStore(const std::string& data_dir);
  ~DirectStore();
  store::Store& store() { return *store_; }

 private:
  std::unique_ptr<plugin::PluginHost> host_;
  std::unique_ptr<store::Store> store_;
};

struct PreloadPlan {
  std::string site;
  std::string node;  // the node that stamped every record (the store's own node)
  int64_t records = 0;
  int devices = 40;      // authors: dev-1..dev-N with operators op-1..op-N
  int64_t first_ms = 0;  // stamp of the first record; later ones follow at step_ms
  int64_t step_ms = 1;
  int64_t per_txn = 20000;  // records per transaction
  bool outbox = false;      // also queue every record for upstream (an unsent backlog)
};

struct PreloadResult {
  int64_t records = 0;
  double seconds = 0;
  int64_t doc_bytes = 0;  // total size of the stored documents
  std::string last_stamp;
};

// Fills the store as the daemon would have after plan.records accepted phone writes: each
// record's canonical document, its write id, (with plan.outbox) an outbox row, and the HLC
// high-water mark and node id the daemon checks at start. on_record sees every record written
// (may be empty). Throws std::runtime_error on a store error.
PreloadResult preloadStore(store::Store& store, RecordFactory& factory, const PreloadPlan& plan,
                           const std::function<void(const core::Record&)>& on_record = {});

}  // namespace yard::bench
