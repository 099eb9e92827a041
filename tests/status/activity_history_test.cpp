#include <catch2/catch.hpp>

#include "status/activity_history.h"

using namespace yard::status;

namespace {

constexpr int64_t kMinute = ActivityHistory::kStepMs;
constexpr int64_t kT0 = 1'700'000'040'000;  // a whole minute

ActivityTotals totals(uint64_t requests, uint64_t accepted, int64_t backlog) {
  ActivityTotals t;
  t.requests = requests;
  t.accepted = accepted;
  t.backlog = backlog;
  return t;
}

}  // namespace

TEST_CASE("an empty history has no minutes") {
  ActivityHistory h;
  CHECK(h.minutes(kT0).empty());
  const auto json = h.toJson(kT0);
  CHECK(json["requests"].empty());
  CHECK(json["step_ms"] == kMinute);
}

TEST_CASE("growth between observations lands in the minute it was seen") {
  ActivityHistory h;
  h.observe(kT0, totals(100, 10, 0));  // baseline: counts nothing
  h.observe(kT0 + 10'000, totals(105, 12, 3));
  h.observe(kT0 + 50'000, totals(110, 13, 1));
  h.observe(kT0 + kMinute + 5'000, totals(111, 13, 0));
  const auto m = h.minutes(kT0 + kMinute + 6'000);
  REQUIRE(m.size() == 2);
  CHECK(m[0].start_ms == kT0);
  CHECK(m[0].requests == 10);
  CHECK(m[0].accepted == 3);
  CHECK(m[0].backlog == 3);  // the largest seen in the minute
  CHECK(m[1].requests == 1);
  CHECK(m[1].accepted == 0);
  CHECK(m[1].backlog == 0);
}

TEST_CASE("minutes without observations count nothing and carry the backlog") {
  ActivityHistory h;
  h.observe(kT0, totals(0, 0, 7));
  h.observe(kT0 + 3 * kMinute, totals(4, 2, 2));
  const auto m = h.minutes(kT0 + 4 * kMinute);
  REQUIRE(m.size() == 5);
  CHECK(m[1].requests == 0);
  CHECK(m[1].backlog == 7);
  CHECK(m[2].backlog == 7);
  CHECK(m[3].requests == 4);
  CHECK(m[3].accepted == 2);
  CHECK(m[4].backlog == 2);  // now's minute, not yet observed
}

TEST_CASE("the ring keeps only its capacity of minutes") {
  ActivityHistory h(10);
  for (int i = 0; i < 25; ++i) h.observe(kT0 + i * kMinute, totals(i, 0, i));
  const auto m = h.minutes(kT0 + 24 * kMinute);
  REQUIRE(m.size() == 10);
  CHECK(m.front().start_ms == kT0 + 15 * kMinute);
  CHECK(m.back().backlog == 24);
  for (const auto& minute : m) CHECK(minute.requests == 1);
}

TEST_CASE("24 hours at the default capacity, one observation every 10 s") {
  ActivityHistory h;
  for (int64_t t = 0; t <= 26 * 60 * 6; ++t)
    h.observe(kT0 + t * 10'000, totals(static_cast<uint64_t>(t), 0, 0));
  const auto m = h.minutes(kT0 + 26 * 60 * kMinute);
  CHECK(m.size() == 24 * 60);
  CHECK(m[100].requests == 6);
}

TEST_CASE("a clock stepping back adds to the latest minute; stale totals count nothing twice") {
  ActivityHistory h;
  h.observe(kT0 + 5 * kMinute, totals(10, 5, 0));
  h.observe(kT0 + 5 * kMinute + 1000, totals(12, 5, 0));
  h.observe(kT0, totals(15, 5, 0));                       // the wall clock went back five minutes
  h.observe(kT0 + 5 * kMinute + 2000, totals(13, 5, 0));  // read before the previous one
  h.observe(kT0 + 5 * kMinute + 3000, totals(16, 6, 0));
  const auto m = h.minutes(kT0 + 5 * kMinute + 4000);
  REQUIRE(m.size() == 1);
  CHECK(m[0].requests == 2 + 3 + 0 + 1);
  CHECK(m[0].accepted == 1);
}

TEST_CASE("toJson gives equal-length columns from the first minute") {
  ActivityHistory h;
  h.observe(kT0, totals(0, 0, 0));
  h.observe(kT0 + kMinute, totals(2, 1, 4));
  const auto j = h.toJson(kT0 + kMinute);
  CHECK(j["start_ms"] == kT0);
  for (const char* column :
       {"requests", "writes_accepted", "writes_conflict", "writes_rejected", "backlog"})
    CHECK(j[column].size() == 2);
  CHECK(j["requests"][1] == 2);
  CHECK(j["backlog"][1] == 4);
}
