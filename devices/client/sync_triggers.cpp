#include "client/sync_triggers.h"

namespace yard::device {

void SyncTriggers::manual(int64_t now) {
  manual_ = true;
  schedule_.manual(now);
}

void SyncTriggers::networkChanged(int64_t now, bool up) {
  online_ = up;
  if (!up) return;
  backoff_.success();
  schedule_.linkUp(now);
}

void SyncTriggers::syncFinished(int64_t now, bool ok, double unit_random) {
  manual_ = false;
  if (ok) backoff_.success();
  const int64_t wait = ok ? 0 : backoff_.failure(unit_random);
  schedule_.roundFinished(now, ok, false, wait);
}

}  // namespace yard::device
