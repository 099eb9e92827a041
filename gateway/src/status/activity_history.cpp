#include "status/activity_history.h"

#include <algorithm>

namespace yard::status {
namespace {

uint64_t growth(uint64_t now, uint64_t before) { return now >= before ? now - before : 0; }

}  // namespace

ActivityHistory::ActivityHistory(size_t minutes) : ring_(std::max<size_t>(minutes, 1)) {}

void ActivityHistory::observe(int64_t now_ms, const ActivityTotals& totals) {
  std::lock_guard lock(mu_);
  int64_t minute = minuteOf(now_ms);
  if (!seen_) {
    seen_ = true;
    first_minute_ = minute;
    latest_minute_ = minute;
    previous_ = totals;
  }
  minute = std::max(minute, latest_minute_);
  latest_minute_ = minute;

  Slot& slot = ring_[static_cast<size_t>(minute % static_cast<int64_t>(ring_.size()))];
  if (slot.minute != minute) {
    slot = Slot{};
    slot.minute = minute;
    slot.data.start_ms = minute * kStepMs;
    slot.data.backlog = totals.backlog;
  }
  slot.data.requests += growth(totals.requests, previous_.requests);
  slot.data.accepted += growth(totals.accepted, previous_.accepted);
  slot.data.conflict += growth(totals.conflict, previous_.conflict);
  slot.data.rejected += growth(totals.rejected, previous_.rejected);
  slot.data.backlog = std::max(slot.data.backlog, totals.backlog);
  slot.last_backlog = totals.backlog;
  // Counters only grow: totals read a moment earlier on another thread may arrive after newer
  // ones, and must not be counted twice.
  previous_.requests = std::max(previous_.requests, totals.requests);
  previous_.accepted = std::max(previous_.accepted, totals.accepted);
  previous_.conflict = std::max(previous_.conflict, totals.conflict);
  previous_.rejected = std::max(previous_.rejected, totals.rejected);
}

std::vector<ActivityMinute> ActivityHistory::minutes(int64_t now_ms) const {
  std::lock_guard lock(mu_);
  std::vector<ActivityMinute> out;
  if (!seen_) return out;
  const int64_t last = std::max(minuteOf(now_ms), latest_minute_);
  const int64_t size = static_cast<int64_t>(ring_.size());
  const int64_t first = std::max(first_minute_, last - size + 1);
  int64_t carried = 0;  // a gap at the very start of the window shows no backlog
  out.reserve(static_cast<size_t>(last - first + 1));
  for (int64_t m = first; m <= last; ++m) {
    const Slot& slot = ring_[static_cast<size_t>(m % size)];
    if (slot.minute == m) {
      out.push_back(slot.data);
      carried = slot.last_backlog;
    } else {
      ActivityMinute empty;
      empty.start_ms = m * kStepMs;
      empty.backlog = carried;
      out.push_back(empty);
    }
  }
  return out;
}

core::Json ActivityHistory::toJson(int64_t now_ms) const {
  const auto rows = minutes(now_ms);
  core::Json requests = core::Json::array(), accepted = core::Json::array(),
             conflict = core::Json::array(), rejected = core::Json::array(),
             backlog = core::Json::array();
  for (const auto& m : rows) {
    requests.push_back(m.requests);
    accepted.push_back(m.accepted);
    conflict.push_back(m.conflict);
    rejected.push_back(m.rejected);
    backlog.push_back(m.backlog);
  }
  return core::Json{{"step_ms", kStepMs},
                    {"start_ms", rows.empty() ? now_ms - now_ms % kStepMs : rows.front().start_ms},
                    {"requests", std::move(requests)},
                    {"writes_accepted", std::move(accepted)},
                    {"writes_conflict", std::move(conflict)},
                    {"writes_rejected", std::move(rejected)},
                    {"backlog", std::move(backlog)}};
}

}  // namespace yard::status
