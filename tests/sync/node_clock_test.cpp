#include <catch2/catch.hpp>

#include <set>

#include "core/record.h"
#include "sync/node_clock.h"

using yard::core::Stamp;
using yard::sync::NodeClock;
using yard::sync::processIssuer;

TEST_CASE("each hub process stamps under a tag of its own, still a valid id") {
  std::set<std::string> issuers;
  for (int i = 0; i < 200; ++i) {
    const std::string issuer = processIssuer("hub");
    CHECK(issuer.rfind("hub.", 0) == 0);
    CHECK(issuer.size() == 10);
    CHECK(yard::core::isValidId(issuer));
    issuers.insert(issuer);
  }
  CHECK(issuers.size() == 200);

  const std::string longest = processIssuer(std::string(yard::core::kMaxIdLength, 'h'));
  CHECK(longest.size() == yard::core::kMaxIdLength);
  CHECK(yard::core::isValidId(longest));
  // and it round-trips through a stamp
  const auto stamp = Stamp::parse(Stamp{1, 2, longest}.encode());
  REQUIRE(stamp);
  CHECK(stamp->node == longest);
}

TEST_CASE("two processes sharing a store never issue equal stamps in one millisecond") {
  int64_t now = 1764000000000;
  NodeClock a(processIssuer("hub"), [&] { return now; });
  NodeClock b(processIssuer("hub"), [&] { return now; });
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    seen.insert(a.next().encode());
    seen.insert(b.next().encode());
  }
  CHECK(seen.size() == 100);
}

TEST_CASE("a version replacing another process's stamps after it, whatever the local clock") {
  int64_t behind = 1764000000000;
  NodeClock lagging("hub.aaaaaa", [&] { return behind; });
  // The version it replaces was stamped by a process whose clock runs 40 ms ahead.
  const std::string replaced = Stamp{behind + 40, 7, "hub.zzzzzz"}.encode();
  const std::string mine = lagging.nextAfter(replaced).encode();
  CHECK(mine > replaced);
  CHECK(lagging.next().encode() > mine);  // and the clock moved on with it

  SECTION("an empty or unreadable stamp is just the next stamp") {
    const std::string plain = lagging.nextAfter("").encode();
    CHECK(plain > mine);
    CHECK(lagging.nextAfter("not a stamp").encode() > plain);
  }
}
