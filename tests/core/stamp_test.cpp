#include <catch2/catch.hpp>

#include "core/stamp.h"

using yard::core::Stamp;

TEST_CASE("stamp encoding matches the wire contract") {
  CHECK(Stamp{1732456789012, 3, "gw-laredo-1"}.encode() == "0001732456789012-0003-gw-laredo-1");
}

TEST_CASE("stamp round-trips through its encoding") {
  Stamp s{1732456789012, 9999, "hub.central:1"};
  auto parsed = Stamp::parse(s.encode());
  REQUIRE(parsed);
  CHECK(*parsed == s);
}

TEST_CASE("stamp byte order is LWW order") {
  // ms first, then counter, then node id; fixed widths make byte order agree.
  std::vector<Stamp> ordered = {{999, 0, "z"},           {1000, 0, "a"},  {1000, 0, "b"},
                                {1000, 1, "a"},          {1000, 10, "a"}, {10000, 0, "a"},
                                {1732456789012, 0, "gw"}};
  for (size_t i = 1; i < ordered.size(); ++i) {
    CHECK(ordered[i - 1].encode() < ordered[i].encode());
    CHECK(ordered[i - 1] < ordered[i]);
  }
}

TEST_CASE("stamp parsing refuses anything that does not round-trip") {
  for (const char* bad :
       {"", "0001732456789012-0003-", "1732456789012-0003-gw", "0001732456789012-003-gw",
        "000173245678901x-0003-gw", "0001732456789012_0003-gw", "0001732456789012-0003-gw/../x",
        "-001732456789012-0003-gw", "0001732456789012-0003-gw\n"}) {
    INFO(bad);
    CHECK_FALSE(Stamp::parse(bad));
  }
}
