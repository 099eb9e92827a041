#include "sync/node_clock.h"

#include <chrono>

namespace yard::sync {

int64_t systemNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

NodeClock::NodeClock(std::string node_id, WallClock wall)
    : node_id_(std::move(node_id)),
      wall_(wall ? std::move(wall) : WallClock(systemNowMs)),
      hlc_(node_id_, core::Stamp{0, 0, node_id_}) {}

Status NodeClock::load(store::Txn& txn) {
  auto stored = txn.getMeta(kMetaKey);
  if (!stored.isOk()) return stored.status();
  if (!stored->has_value()) return Status::ok();
  auto stamp = core::Stamp::parse(**stored);
  if (!stamp) return Status::permanent("stored HLC high-water mark is corrupt: " + **stored);
  std::lock_guard lock(mu_);
  hlc_ = core::HybridClock(node_id_, *stamp);
  persisted_ = **stored;
  return Status::ok();
}

Status NodeClock::persist(store::Txn& txn) {
  std::string current;
  {
    std::lock_guard lock(mu_);
    current = hlc_.highWater().encode();
    if (current == persisted_) return Status::ok();
  }
  if (Status s = txn.putMeta(kMetaKey, current); !s.isOk()) return s;
  // Marked persisted before the commit: if the commit fails the next batch writes an even later
  // value anyway, and stamps of failed batches were never given out.
  std::lock_guard lock(mu_);
  persisted_ = current;
  return Status::ok();
}

core::Stamp NodeClock::next() {
  const int64_t now = wall_();
  std::lock_guard lock(mu_);
  return hlc_.next(now);
}

void NodeClock::observe(const core::Stamp& stamp) {
  std::lock_guard lock(mu_);
  hlc_.observe(stamp);
}

int64_t NodeClock::driftMs() const {
  const int64_t now = wall_();
  std::lock_guard lock(mu_);
  return hlc_.driftMs(now);
}

}  // namespace yard::sync
