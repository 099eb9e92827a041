#include "core/backoff.h"

#include <algorithm>

namespace yard::core {

int64_t Backoff::window() const {
  if (failures_ == 0) return 0;
  // Shift at most 30 places: past that the cap has long been reached.
  const int shift = std::min(failures_ - 1, 30);
  return std::min(cap_ms_, base_ms_ << shift);
}

int64_t Backoff::failure(double unit_random) {
  ++failures_;
  const double r = std::clamp(unit_random, 0.0, 1.0);
  // Never zero: an immediate retry of a failed round is a busy loop.
  return std::max<int64_t>(1, static_cast<int64_t>(r * static_cast<double>(window())));
}

}  // namespace yard::core
