#pragma once

#include <cstdint>

#include "core/backoff.h"
#include "core/round_schedule.h"

namespace yard::device {

struct TriggerOptions {
  int64_t interval_ms = 5 * 60 * 1000;  // periodic sync while nothing else happens
  int64_t debounce_ms = 2000;           // a burst of local writes makes one sync
  int64_t backoff_base_ms = 1000;       // first retry window after a failed sync
  int64_t backoff_cap_ms = 5 * 60 * 1000;
};

// When a phone syncs (DESIGN §2 rule 4): periodically, soon after local writes (debounced), at
// once when the network comes back, the app comes to the foreground, the gateway notifies
// (MQTT notify) or the user asks; after a failure, capped exponential backoff with full jitter.
// While the phone knows it has no network nothing is due, except a manual sync (the user may
// know better than the OS). The same schedule as the gateway's upstream loop (core::
// RoundSchedule), plus the network state. Pure: times and the random draw are passed in.
// Not thread-safe.
class SyncTriggers {
 public:
  explicit SyncTriggers(TriggerOptions options = {})
      : options_(options),
        schedule_(options.interval_ms, options.debounce_ms),
        backoff_(options.backoff_base_ms, options.backoff_cap_ms) {}

  void localWrite(int64_t now) { schedule_.localWrite(now); }
  void foreground(int64_t now) { schedule_.manual(now); }
  void gatewayNotified(int64_t now) { schedule_.manual(now); }
  void manual(int64_t now);
  // up: sync at once (backoff forgotten, the link is new); down: nothing is due until up.
  void networkChanged(int64_t now, bool up);

  void syncStarted() { schedule_.roundStarted(); }
  // unit_random in [0, 1): the jitter draw for a failure's backoff.
  void syncFinished(int64_t now, bool ok, double unit_random);

  bool isDue(int64_t now) const { return (online_ || manual_) && schedule_.isDue(now); }
  int64_t due() const { return schedule_.due(); }
  bool online() const { return online_; }
  bool backingOff() const { return schedule_.backingOff(); }

 private:
  TriggerOptions options_;
  core::RoundSchedule schedule_;
  core::Backoff backoff_;
  bool online_ = true;
  bool manual_ = false;
};

}  // namespace yard::device
