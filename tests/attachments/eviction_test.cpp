#include <catch2/catch.hpp>

#include "attachments/eviction.h"

using namespace yard::attachments;

namespace {
constexpr int64_t kHour = 3600 * 1000;
}

TEST_CASE("eviction: only confirmed blobs past their grace, oldest confirmation first",
          "[attachments][eviction]") {
  const int64_t now = 1000 * kHour;
  std::vector<BlobFacts> blobs = {
      {"unconfirmed", 10, 0},
      {"in-grace", 10, now - 23 * kHour},
      {"due-late", 10, now - 25 * kHour},
      {"due-early", 10, now - 48 * kHour},
      {"exactly-due", 10, now - 24 * kHour},
  };
  EvictionPolicy policy{true, 24 * kHour};
  CHECK(chooseEvictions(blobs, policy, now) ==
        std::vector<std::string>{"due-early", "due-late", "exactly-due"});
}

TEST_CASE("eviction: fractional grace, and a hub never evicts", "[attachments][eviction]") {
  const int64_t now = 100 * kHour;
  std::vector<BlobFacts> blobs = {{"a", 1, now - kHour / 2}, {"b", 1, now - kHour / 4}};
  CHECK(chooseEvictions(blobs, {true, kHour / 3}, now) == std::vector<std::string>{"a"});
  CHECK(chooseEvictions(blobs, {false, 0}, now).empty());
  CHECK(chooseEvictions(blobs, {true, 0}, now).size() == 2);
}

TEST_CASE("quota: used plus reserved plus the new upload must fit", "[attachments][quota]") {
  CHECK(hasRoom(0, 0, 100, 100));
  CHECK_FALSE(hasRoom(0, 0, 101, 100));
  CHECK(hasRoom(50, 25, 25, 100));
  CHECK_FALSE(hasRoom(50, 26, 25, 100));
  CHECK(hasRoom(100, 0, 0, 100));  // a 0-byte file always fits
  CHECK_FALSE(hasRoom(INT64_MAX / 2, INT64_MAX / 2, INT64_MAX / 2, 100));
}
