#include "core/uuid.h"

#include <catch2/catch.hpp>
#include <set>

#include "core/record.h"

namespace yard::core {
namespace {

TEST_CASE("formatUuidV7 lays out RFC 9562 fields") {
  const std::string id = formatUuidV7(0x0123456789abULL, 0xfabc, 0xffffffffffffffffULL);
  CHECK(id == "01234567-89ab-7abc-bfff-ffffffffffff");
  CHECK(formatUuidV7(0, 0, 0) == "00000000-0000-7000-8000-000000000000");
  CHECK(isValidId(id));
}

TEST_CASE("formatUuidV4 sets the version and variant bits and keeps the rest") {
  CHECK(formatUuidV4(~uint64_t{0}, ~uint64_t{0}) == "ffffffff-ffff-4fff-bfff-ffffffffffff");
  CHECK(formatUuidV4(0, 0) == "00000000-0000-4000-8000-000000000000");
  CHECK(formatUuidV4(0x0123456789abcdefULL, 0xfedcba9876543210ULL) ==
        "01234567-89ab-4def-bedc-ba9876543210");
}

TEST_CASE("newUuidV7 ids are valid, unique and ascend within a thread") {
  std::set<std::string> seen;
  std::string last;
  for (int i = 0; i < 20000; ++i) {  // crosses milliseconds and spends counters
    std::string id = newUuidV7();
    REQUIRE(id.size() == 36);
    REQUIRE(id[14] == '7');
    REQUIRE(std::string("89ab").find(id[19]) != std::string::npos);
    REQUIRE(id > last);
    REQUIRE(seen.insert(id).second);
    last = id;
  }
}

}  // namespace
}  // namespace yard::core
