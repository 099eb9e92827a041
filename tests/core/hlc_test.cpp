#include <catch2/catch.hpp>

#include "core/hlc.h"

using yard::core::HybridClock;
using yard::core::Stamp;

TEST_CASE("HLC follows the wall clock when it moves forward") {
  HybridClock clock("gw-1", Stamp{});
  Stamp a = clock.next(1000);
  Stamp b = clock.next(1005);
  CHECK(a == Stamp{1000, 0, "gw-1"});
  CHECK(b == Stamp{1005, 0, "gw-1"});
}

TEST_CASE("HLC counts within one millisecond") {
  HybridClock clock("gw-1", Stamp{});
  Stamp a = clock.next(1000);
  Stamp b = clock.next(1000);
  CHECK(b.ms == 1000);
  CHECK(b.counter == 1);
  CHECK(a.encode() < b.encode());
}

TEST_CASE("HLC stays monotonic when the wall clock jumps backwards") {
  HybridClock clock("gw-1", Stamp{});
  Stamp before = clock.next(5000);
  Stamp after = clock.next(1000);  // clock set back by 4 s
  CHECK(after.ms == 5000);
  CHECK(before.encode() < after.encode());
  CHECK(clock.driftMs(1000) == 4000);
}

TEST_CASE("HLC restarts above its persisted high-water mark") {
  HybridClock first("gw-1", Stamp{});
  Stamp last;
  for (int i = 0; i < 10; ++i) last = first.next(7000);
  // Restart with the wall clock behind the last stamp given out.
  HybridClock second("gw-1", first.highWater());
  Stamp next = second.next(6000);
  CHECK(last.encode() < next.encode());
}

TEST_CASE("HLC counter overflow moves the logical millisecond, never wraps") {
  HybridClock clock("gw-1", Stamp{100, Stamp::kMaxCounter - 1, "gw-1"});
  Stamp a = clock.next(50);
  Stamp b = clock.next(50);
  CHECK(a == Stamp{100, Stamp::kMaxCounter, "gw-1"});
  CHECK(b == Stamp{101, 0, "gw-1"});
  CHECK(a.encode() < b.encode());
}

TEST_CASE("HLC orders local stamps after observed remote stamps") {
  HybridClock clock("gw-a", Stamp{});
  clock.observe(Stamp{9000, 7, "gw-z"});
  Stamp next = clock.next(1000);
  CHECK(Stamp{9000, 7, "gw-z"}.encode() < next.encode());
  CHECK(next.ms == 9000);
  CHECK(next.counter == 8);
}

TEST_CASE("HLC: equal remote stamp still yields a greater local one") {
  HybridClock clock("gw-a", Stamp{});
  clock.next(9000);
  clock.observe(Stamp{9000, 0, "gw-z"});
  Stamp next = clock.next(9000);
  CHECK(Stamp{9000, 0, "gw-z"}.encode() < next.encode());
}

TEST_CASE("HLC: many stamps are strictly increasing under a random wall clock") {
  HybridClock clock("gw-1", Stamp{});
  std::string previous;
  uint64_t seed = 42;
  for (int i = 0; i < 100000; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    const int64_t wall = 1'700'000'000'000 + static_cast<int64_t>((seed >> 33) % 2000);
    const std::string s = clock.next(wall).encode();
    REQUIRE(previous < s);
    previous = s;
  }
}
