#include "core/iso_time.h"

#include <catch2/catch.hpp>

namespace yard::core {
namespace {

TEST_CASE("ISO client times parse to epoch milliseconds") {
  CHECK(parseIsoUtcMs("1970-01-01T00:00:01Z") == 1000);
  CHECK(parseIsoUtcMs("2026-11-24T10:02:11.250Z") == 1795514531250);
  CHECK_FALSE(parseIsoUtcMs("2026-11-24 10:02:11"));
  CHECK_FALSE(parseIsoUtcMs("2026-11-24T10:02:11+01:00"));
  CHECK_FALSE(parseIsoUtcMs(""));
}

TEST_CASE("formatIsoUtc writes what parseIsoUtcMs reads, to the second") {
  CHECK(formatIsoUtc(0) == "1970-01-01T00:00:00Z");
  CHECK(formatIsoUtc(1795514531250) == "2026-11-24T10:02:11Z");
  CHECK(parseIsoUtcMs(formatIsoUtc(1795514531250)) == 1795514531000);
  const std::string now = isoUtcNow();
  REQUIRE(parseIsoUtcMs(now));
  CHECK(now.size() == 20);
}

}  // namespace
}  // namespace yard::core
