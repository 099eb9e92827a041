#include "core/round_schedule.h"

#include <algorithm>
#include <cstdint>

namespace yard::core {

void RoundSchedule::request(int64_t at) {
  if (running_) requested_ = std::min(requested_, at);
  due_ = std::min(due_, at);
}

void RoundSchedule::localWrite(int64_t now) {
  // While backing off, a new write does not shorten the wait: upstream is still unreachable and
  // the link probe will call linkUp() when it is back.
  if (backing_off_ && !running_) return;
  request(now + debounce_ms_);
}

void RoundSchedule::roundFinished(int64_t now, bool ok, bool more_pending, int64_t retry_after_ms) {
  running_ = false;
  backing_off_ = !ok;
  if (!ok) {
    due_ = now + retry_after_ms;
  } else {
    due_ = more_pending ? now : now + interval_ms_;
    due_ = std::min(due_, std::max(now, requested_));
  }
  requested_ = kNever;
}

}  // namespace yard::core
