#include <catch2/catch.hpp>

#include "client/sync_triggers.h"

using yard::device::SyncTriggers;
using yard::device::TriggerOptions;

namespace {
TriggerOptions options() { return TriggerOptions{60000, 2000, 1000, 16000}; }
}  // namespace

TEST_CASE("a new phone syncs at once, then periodically") {
  SyncTriggers t(options());
  CHECK(t.isDue(0));
  t.syncStarted();
  t.syncFinished(100, true, 0.5);
  CHECK_FALSE(t.isDue(100));
  CHECK(t.due() == 60100);
  CHECK(t.isDue(60100));
}

TEST_CASE("local writes are debounced into one sync") {
  SyncTriggers t(options());
  t.syncStarted();
  t.syncFinished(0, true, 0.5);
  t.localWrite(1000);
  t.localWrite(1500);
  CHECK_FALSE(t.isDue(2999));
  CHECK(t.isDue(3000));
}

TEST_CASE("foreground, notify and manual sync at once") {
  for (int trigger = 0; trigger < 3; ++trigger) {
    SyncTriggers t(options());
    t.syncStarted();
    t.syncFinished(0, true, 0.5);
    if (trigger == 0) t.foreground(500);
    if (trigger == 1) t.gatewayNotified(500);
    if (trigger == 2) t.manual(500);
    CHECK(t.isDue(500));
  }
}

TEST_CASE("failures back off with capped full jitter; the network coming back ends it") {
  SyncTriggers t(options());
  int64_t now = 0;
  int64_t windows[] = {1000, 2000, 4000, 8000, 16000, 16000};
  for (int64_t window : windows) {
    t.syncStarted();
    t.syncFinished(now, false, 0.999);
    CHECK(t.backingOff());
    CHECK(t.due() - now <= window);
    CHECK(t.due() - now >= window * 99 / 100);
    now = t.due();
  }
  // A local write while backing off does not shorten the wait.
  t.syncStarted();
  t.syncFinished(now, false, 0.5);
  const int64_t due = t.due();
  t.localWrite(now + 1);
  CHECK(t.due() == due);
  t.networkChanged(now + 2, true);
  CHECK(t.isDue(now + 2));
  // Forgotten: the next failure starts from the first window again.
  t.syncStarted();
  t.syncFinished(now + 3, false, 0.999);
  CHECK(t.due() - (now + 3) <= 1000);
}

TEST_CASE("offline, nothing is due but a manual sync") {
  SyncTriggers t(options());
  t.networkChanged(0, false);
  CHECK_FALSE(t.isDue(0));
  t.localWrite(10);
  CHECK_FALSE(t.isDue(100000));
  t.manual(100000);
  CHECK(t.isDue(100000));
  t.syncStarted();
  t.syncFinished(100001, false, 0.5);
  CHECK_FALSE(t.isDue(10000000));
  t.networkChanged(10000000, true);
  CHECK(t.isDue(10000000));
}
