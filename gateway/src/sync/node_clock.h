#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "core/hlc.h"
#include "core/status.h"
#include "store/store.h"

namespace yard::sync {

// The node's hybrid logical clock bound to a wall clock and to the store: load() restores the
// high-water mark at start, persist() writes it in every write transaction (the commit queue's
// hook), so no stamp is ever issued twice, even after a restart with the wall clock set back.
// Thread-safe; next()/observe() are called on the writer thread.
class NodeClock {
 public:
  using WallClock = std::function<int64_t()>;

  NodeClock(std::string node_id, WallClock wall);

  Status load(store::Txn& txn);
  Status persist(store::Txn& txn);

  core::Stamp next();
  void observe(const core::Stamp& stamp);

  int64_t wallMs() const { return wall_(); }
  int64_t driftMs() const;
  const std::string& nodeId() const { return node_id_; }

 private:
  static constexpr const char* kMetaKey = "hlc_high_water";
  std::string node_id_;
  WallClock wall_;
  mutable std::mutex mu_;
  core::HybridClock hlc_;
  std::string persisted_;
};

// Milliseconds since the epoch from the system clock.
int64_t systemNowMs();

}  // namespace yard::sync
