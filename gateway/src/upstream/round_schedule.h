#pragma once

#include <cstdint>

namespace yard::upstream {

// When the next upstream round runs (DESIGN §2 rule 4): periodically, soon after local writes
// (debounced so a burst of phone syncs makes one round), at once when the link comes back or
// an admin asks, and after a backoff delay while upstream fails. Pure: all times are passed in
// (ms on a monotonic clock).
class RoundSchedule {
 public:
  RoundSchedule(int64_t interval_ms, int64_t debounce_ms)
      : interval_ms_(interval_ms), debounce_ms_(debounce_ms) {}

  void localWrite(int64_t now);
  void manual(int64_t now) { due_ = now; }
  void linkUp(int64_t now) { due_ = now; }
  // After a round: ok schedules the next periodic one (sooner if more is pending); a failure
  // waits retry_after_ms.
  void roundFinished(int64_t now, bool ok, bool more_pending, int64_t retry_after_ms);

  // Time the next round is due (may be in the past: run now).
  int64_t due() const { return due_; }
  bool isDue(int64_t now) const { return now >= due_; }
  bool backingOff() const { return backing_off_; }

 private:
  int64_t interval_ms_;
  int64_t debounce_ms_;
  int64_t due_ = 0;  // run at start
  bool backing_off_ = false;
};

}  // namespace yard::upstream
