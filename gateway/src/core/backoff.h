#pragma once

#include <cstdint>

namespace yard::core {

// Capped exponential backoff with full jitter (the AWS architecture blog's "full jitter"):
// the n-th consecutive failure waits uniform(0, min(cap, base * 2^n)). Full jitter spreads a
// yard's gateways (and a gateway's retries) so a hub coming back is not hit by all at once.
// Pure: the caller passes the random draw in [0, 1).
class Backoff {
 public:
  Backoff(int64_t base_ms, int64_t cap_ms) : base_ms_(base_ms), cap_ms_(cap_ms) {}

  // Records a failure and returns how long to wait before the next attempt.
  int64_t failure(double unit_random);
  void success() { failures_ = 0; }
  int failures() const { return failures_; }
  // The ceiling of the current wait window (before jitter).
  int64_t window() const;

 private:
  int64_t base_ms_;
  int64_t cap_ms_;
  int failures_ = 0;
};

}  // namespace yard::core
