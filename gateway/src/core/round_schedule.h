#pragma once

#include <climits>
#include <cstdint>

namespace yard::core {

// When the next upstream round runs (DESIGN §2 rule 4): periodically, soon after local writes
// (debounced so a burst of phone syncs makes one round), at once when the link comes back or
// an admin asks, and after a backoff delay while upstream fails. Pure: all times are passed in
// (ms on a monotonic clock).
class RoundSchedule {
 public:
  RoundSchedule(int64_t interval_ms, int64_t debounce_ms)
      : interval_ms_(interval_ms), debounce_ms_(debounce_ms) {}

  void localWrite(int64_t now);
  void manual(int64_t now) { request(now); }
  void linkUp(int64_t now) { request(now); }
  // A trigger that arrives while a round runs is kept for after it: the running round may
  // already have read what the trigger is about.
  void roundStarted() {
    running_ = true;
    requested_ = kNever;
  }
  // After a round: ok schedules the next periodic one (sooner if more is pending, or something
  // asked for a round meanwhile); a failure waits retry_after_ms.
  void roundFinished(int64_t now, bool ok, bool more_pending, int64_t retry_after_ms);

  // Time the next round is due (may be in the past: run now).
  int64_t due() const { return due_; }
  bool isDue(int64_t now) const { return now >= due_; }
  bool backingOff() const { return backing_off_; }

 private:
  int64_t interval_ms_;
  int64_t debounce_ms_;
  void request(int64_t at);

  static constexpr int64_t kNever = INT64_MAX;
  int64_t due_ = 0;  // run at start
  bool backing_off_ = false;
  bool running_ = false;
  int64_t requested_ = kNever;  // earliest trigger seen while running
};

}  // namespace yard::core
