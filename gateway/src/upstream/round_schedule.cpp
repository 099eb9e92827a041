#include "upstream/round_schedule.h"

#include <algorithm>

namespace yard::upstream {

void RoundSchedule::localWrite(int64_t now) {
  // While backing off, a new write does not shorten the wait: upstream is still unreachable and
  // the link probe will call linkUp() when it is back.
  if (backing_off_) return;
  due_ = std::min(due_, now + debounce_ms_);
}

void RoundSchedule::roundFinished(int64_t now, bool ok, bool more_pending,
                                  int64_t retry_after_ms) {
  backing_off_ = !ok;
  if (!ok)
    due_ = now + retry_after_ms;
  else
    due_ = more_pending ? now : now + interval_ms_;
}

}  // namespace yard::upstream
