#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "core/record.h"

namespace yard::status {

// Cumulative counters and the backlog gauge as observed at one moment.
struct ActivityTotals {
  uint64_t requests = 0;
  uint64_t accepted = 0;
  uint64_t conflict = 0;
  uint64_t rejected = 0;
  int64_t backlog = 0;  // records waiting upstream
};

// One minute of sync activity: what the counters grew by during it, and the largest backlog
// seen in it.
struct ActivityMinute {
  int64_t start_ms = 0;
  uint64_t requests = 0;
  uint64_t accepted = 0;
  uint64_t conflict = 0;
  uint64_t rejected = 0;
  int64_t backlog = 0;
};

// The per-minute history behind the status page's charts: a fixed ring of minutes (24 h by
// default) in memory, fed with cumulative totals by whoever samples the node (observe() may be
// called at any rate; every call adds the growth since the previous one to the current minute).
// Lost on restart, by design: it is a view for people, the metrics are for monitoring systems.
// A clock that steps backwards adds to the latest minute rather than rewriting the past.
// Totals from several threads may arrive out of order: a counter is never counted below the
// highest value already seen. Thread-safe.
class ActivityHistory {
 public:
  static constexpr int64_t kStepMs = 60000;

  explicit ActivityHistory(size_t minutes = 24 * 60);

  void observe(int64_t now_ms, const ActivityTotals& totals);

  // The minutes from the first observation (or capacity minutes back) up to now's minute,
  // oldest first. Minutes with no observation count nothing and carry the last backlog known.
  std::vector<ActivityMinute> minutes(int64_t now_ms) const;

  // The same as columns: {"step_ms", "start_ms", "requests", "writes_accepted",
  // "writes_conflict", "writes_rejected", "backlog"} (arrays of equal length).
  core::Json toJson(int64_t now_ms) const;

 private:
  struct Slot {
    int64_t minute = -1;  // epoch minute this slot holds; -1: empty
    ActivityMinute data;
    int64_t last_backlog = 0;
  };

  static int64_t minuteOf(int64_t ms) { return ms / kStepMs; }

  mutable std::mutex mu_;
  std::vector<Slot> ring_;
  bool seen_ = false;
  int64_t first_minute_ = 0;
  int64_t latest_minute_ = 0;
  ActivityTotals previous_;
};

}  // namespace yard::status
