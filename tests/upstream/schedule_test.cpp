#include <catch2/catch.hpp>

#include "core/backoff.h"
#include "core/round_schedule.h"

using yard::core::Backoff;
using yard::core::RoundSchedule;

TEST_CASE("backoff windows double up to the cap") {
  Backoff b(500, 60000);
  std::vector<int64_t> windows;
  for (int i = 0; i < 10; ++i) {
    b.failure(0.5);
    windows.push_back(b.window());
  }
  CHECK(windows ==
        std::vector<int64_t>{500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000});
}

TEST_CASE("backoff waits are full-jitter draws inside the window, never zero") {
  Backoff b(1000, 8000);
  CHECK(b.failure(0.0) == 1);
  CHECK(b.failure(0.5) == 1000);    // window 2000
  CHECK(b.failure(0.999) == 3996);  // window 4000
  b.success();
  CHECK(b.failures() == 0);
  CHECK(b.window() == 0);
  CHECK(b.failure(1.0) == 1000);
}

TEST_CASE("backoff survives thousands of failures without overflow") {
  Backoff b(1000, 300000);
  for (int i = 0; i < 5000; ++i) b.failure(0.99);
  CHECK(b.window() == 300000);
}

TEST_CASE("schedule: first round at once, then periodic") {
  RoundSchedule s(60000, 2000);
  CHECK(s.isDue(0));
  s.roundFinished(1000, true, false, 0);
  CHECK(s.due() == 61000);
}

TEST_CASE("schedule: local writes bring the round forward, debounced") {
  RoundSchedule s(60000, 2000);
  s.roundFinished(0, true, false, 0);
  s.localWrite(10000);
  CHECK(s.due() == 12000);
  s.localWrite(11000);  // a burst does not push it back, nor forward past the first
  CHECK(s.due() == 12000);
}

TEST_CASE("schedule: a failed round waits its backoff; writes do not shorten it; link-up does") {
  RoundSchedule s(60000, 2000);
  s.roundFinished(0, false, false, 30000);
  CHECK(s.backingOff());
  s.localWrite(1000);
  CHECK(s.due() == 30000);
  s.linkUp(5000);
  CHECK(s.due() == 5000);
}

TEST_CASE("schedule: more pending runs the next round at once; manual always does") {
  RoundSchedule s(60000, 2000);
  s.roundFinished(100, true, true, 0);
  CHECK(s.due() == 100);
  s.roundFinished(200, true, false, 0);
  s.manual(300);
  CHECK(s.due() == 300);
}

TEST_CASE("schedule: a trigger during a round runs another round right after it") {
  RoundSchedule s(60000, 2000);
  s.roundStarted();
  s.manual(500);
  s.roundFinished(800, true, false, 0);
  CHECK(s.due() == 800);
  s.roundStarted();
  s.localWrite(900);  // debounced
  s.roundFinished(1000, true, false, 0);
  CHECK(s.due() == 2900);
  s.roundStarted();
  s.roundFinished(3000, true, false, 0);
  CHECK(s.due() == 63000);
}
