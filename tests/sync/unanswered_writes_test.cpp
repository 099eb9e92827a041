#include <catch2/catch.hpp>

#include <optional>

#include "sync/unanswered_writes.h"

using yard::sync::UnansweredWrites;

namespace {

// A request of device that arrived and was read, with its writes' stamps.
UnansweredWrites::Registration registered(UnansweredWrites& u, const std::string& device,
                                          const std::vector<std::string>& stamps) {
  auto r = u.arrive(device);
  r.setStamps(stamps);
  return r;
}

std::set<std::string> stampsOf(const UnansweredWrites& u, const std::string& device) {
  std::set<std::string> out;
  u.collect(device, out);
  return out;
}

}  // namespace

TEST_CASE("a request's stamps are left out until it is answered") {
  UnansweredWrites u;
  {
    auto r = registered(u, "gw-a", {"s1", "", "s2"});
    CHECK(stampsOf(u, "gw-a") == std::set<std::string>{"s1", "s2"});
    CHECK(stampsOf(u, "gw-b").empty());
  }
  CHECK(stampsOf(u, "gw-a").empty());
}

TEST_CASE("a later request answered first stays left out until the earlier one is answered") {
  UnansweredWrites u;
  std::optional<UnansweredWrites::Registration> first, second;
  first.emplace(registered(u, "gw-a", {"a1"}));
  second.emplace(registered(u, "gw-a", {"b1"}));
  auto other = registered(u, "gw-b", {"x1"});
  second.reset();  // answered first: the earlier request may still pull
  CHECK(stampsOf(u, "gw-a") == std::set<std::string>{"a1", "b1"});
  first.reset();
  CHECK(stampsOf(u, "gw-a").empty());
  CHECK(stampsOf(u, "gw-b") == std::set<std::string>{"x1"});
}

TEST_CASE("a pull-only request still orders the requests around it") {
  UnansweredWrites u;
  std::optional<UnansweredWrites::Registration> pull, write;
  pull.emplace(registered(u, "gw-a", {}));
  write.emplace(registered(u, "gw-a", {"b1"}));
  write.reset();
  CHECK(stampsOf(u, "gw-a") == std::set<std::string>{"b1"});
  pull.reset();
  CHECK(stampsOf(u, "gw-a").empty());
}

TEST_CASE("a moved registration answers once") {
  UnansweredWrites u;
  std::optional<UnansweredWrites::Registration> moved;
  {
    auto r = registered(u, "gw-a", {"a1"});
    moved.emplace(std::move(r));
  }
  CHECK(stampsOf(u, "gw-a") == std::set<std::string>{"a1"});
  moved.reset();
  CHECK(stampsOf(u, "gw-a").empty());
}

TEST_CASE("requests are ordered as they arrive, whenever their stamps are known") {
  UnansweredWrites u;
  std::optional<UnansweredWrites::Registration> first, second;
  first.emplace(u.arrive("gw-a"));  // its body still being read
  second.emplace(u.arrive("gw-a"));
  second->setStamps({"b1", "", "b2"});
  second.reset();  // parsed, decided and answered first
  CHECK(stampsOf(u, "gw-a") == std::set<std::string>{"b1", "b2"});
  first->setStamps({"a1"});
  CHECK(stampsOf(u, "gw-a") == std::set<std::string>{"a1", "b1", "b2"});
  first.reset();
  CHECK(stampsOf(u, "gw-a").empty());
}

TEST_CASE("a registration moved over another answers the one it replaces") {
  UnansweredWrites u;
  auto kept = registered(u, "gw-a", {"a1"});
  auto replaced = registered(u, "gw-b", {"b1"});
  replaced = std::move(kept);
  CHECK(stampsOf(u, "gw-b").empty());
  CHECK(stampsOf(u, "gw-a") == std::set<std::string>{"a1"});
}
