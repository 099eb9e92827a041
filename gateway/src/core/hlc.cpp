#include "core/hlc.h"

#include <algorithm>

namespace yard::core {

HybridClock::HybridClock(std::string node_id, const Stamp& high_water)
    : node_(std::move(node_id)), last_(high_water) {
  last_.node = node_;
}

Stamp HybridClock::next(int64_t physical_ms) {
  if (physical_ms > last_.ms) {
    last_.ms = physical_ms;
    last_.counter = 0;
  } else if (last_.counter < Stamp::kMaxCounter) {
    ++last_.counter;
  } else {
    // The counter's width is part of the wire format; run the logical millisecond ahead rather
    // than widen it.
    ++last_.ms;
    last_.counter = 0;
  }
  last_.node = node_;
  return last_;
}

void HybridClock::observe(const Stamp& stamp) {
  if (stamp.ms > last_.ms) {
    last_.ms = stamp.ms;
    last_.counter = stamp.counter;
  } else if (stamp.ms == last_.ms) {
    last_.counter = std::max(last_.counter, stamp.counter);
  }
}

int64_t HybridClock::driftMs(int64_t physical_ms) const {
  return std::max<int64_t>(0, last_.ms - physical_ms);
}

}  // namespace yard::core
