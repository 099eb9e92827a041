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

  // issuer is what this process's stamps end in: the node id, or for a hub process that shares
  // its store with others, processIssuer(node id).
  NodeClock(std::string issuer, WallClock wall);

  Status load(store::Txn& txn);
  Status persist(store::Txn& txn);

  core::Stamp next();
  // The stamp for a version that replaces the one stamped `replaced` (empty: none): greater than
  // it even when another process sharing the store issued it with a clock running ahead.
  core::Stamp nextAfter(const std::string& replaced);
  void observe(const core::Stamp& stamp);

  int64_t wallMs() const { return wall_(); }
  int64_t driftMs() const;
  const std::string& issuer() const { return issuer_; }

 private:
  static constexpr const char* kMetaKey = "hlc_high_water";
  std::string issuer_;
  WallClock wall_;
  mutable std::mutex mu_;
  core::HybridClock hlc_;
  std::string persisted_;
};

// node_id with a tag drawn at random for this process ("hub.k3x9q2"), cut to fit an id. Hub
// processes sharing one database stamp with the same node id and their own clocks; the tag keeps
// two of them from ever issuing equal stamps in the same millisecond.
std::string processIssuer(const std::string& node_id);

}  // namespace yard::sync
