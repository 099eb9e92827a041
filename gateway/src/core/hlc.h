#pragma once

#include <cstdint>
#include <string>

#include "core/stamp.h"

namespace yard::core {

// Hybrid logical clock (Kulkarni et al.): stamps follow the wall clock when it moves forward and
// keep counting when it stalls or jumps backwards, so every stamp this node issues is greater
// than every stamp it issued or observed before. The caller persists highWater() with every
// committed batch and passes it back on restart, which keeps stamps monotonic across restarts.
// Pure: the caller passes the physical time in. Not thread-safe (one writer owns it).
class HybridClock {
 public:
  HybridClock(std::string node_id, const Stamp& high_water);

  // The next stamp for a write received now. Strictly greater than any earlier result and any
  // observed stamp.
  Stamp next(int64_t physical_ms);

  // Takes in a stamp issued by another trusted node so later local stamps order after it.
  void observe(const Stamp& stamp);

  // The greatest stamp issued or observed so far.
  const Stamp& highWater() const { return last_; }

  // How far the logical clock runs ahead of the wall clock (0 when in step): a large value means
  // this node's or an upstream node's wall clock was far in the future.
  int64_t driftMs(int64_t physical_ms) const;

 private:
  std::string node_;
  Stamp last_;
};

}  // namespace yard::core
