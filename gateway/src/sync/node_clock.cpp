#include "sync/node_clock.h"

#include <random>

#include "core/record.h"
#include "core/wall_clock.h"

namespace yard::sync {

std::string processIssuer(const std::string& node_id) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  constexpr size_t kTagLength = 6;  // 36^6: two of a few dozen processes sharing one is ~1e-7
  std::random_device entropy;
  std::uniform_int_distribution<size_t> pick(0, sizeof kAlphabet - 2);
  std::string tag(kTagLength, '0');
  for (char& c : tag) c = kAlphabet[pick(entropy)];
  return node_id.substr(0, core::kMaxIdLength - kTagLength - 1) + "." + tag;
}

NodeClock::NodeClock(std::string issuer, WallClock wall)
    : issuer_(std::move(issuer)),
      wall_(wall ? std::move(wall) : WallClock(core::unixNowMs)),
      hlc_(issuer_, core::Stamp{0, 0, issuer_}) {}

Status NodeClock::load(store::Txn& txn) {
  auto stored = txn.getMeta(kMetaKey);
  if (!stored.isOk()) return stored.status();
  if (!stored->has_value()) return Status::ok();
  auto stamp = core::Stamp::parse(**stored);
  if (!stamp) return Status::permanent("stored HLC high-water mark is corrupt: " + **stored);
  std::lock_guard lock(mu_);
  hlc_ = core::HybridClock(issuer_, *stamp);
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

core::Stamp NodeClock::nextAfter(const std::string& replaced) {
  const auto seen = core::Stamp::parse(replaced);
  const int64_t now = wall_();
  std::lock_guard lock(mu_);
  if (seen) hlc_.observe(*seen);
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
