#include <catch2/catch.hpp>

#include "sync/sync_service.h"

using yard::core::Record;
using yard::sync::Caller;
using yard::sync::visibleTo;

namespace {

Record record(std::vector<std::string> assigned, std::string author = "dev-9",
              std::string site = "laredo") {
  Record r;
  r.id = "r-1";
  r.type = "inspection";
  r.site = std::move(site);
  r.assigned_to = std::move(assigned);
  r.origin.device = std::move(author);
  return r;
}

const Caller kPhone{"dev-7", "laredo", "op-1", false, "http"};
const Caller kNode{"gw-laredo", "laredo", "", true, "http"};

}  // namespace

TEST_CASE("records for the whole site are visible to every phone of the site") {
  CHECK(visibleTo(record({}), kPhone));
}

TEST_CASE("assigned records are visible only to their operators") {
  CHECK(visibleTo(record({"op-1"}), kPhone));
  CHECK(visibleTo(record({"op-3", "op-1"}), kPhone));
  CHECK_FALSE(visibleTo(record({"op-2"}), kPhone));
}

TEST_CASE("a phone always sees what it wrote") {
  CHECK(visibleTo(record({"op-2"}, "dev-7"), kPhone));
}

TEST_CASE("another site's records are never visible") {
  CHECK_FALSE(visibleTo(record({}, "dev-7", "nogales"), kPhone));
  CHECK_FALSE(visibleTo(record({}, "dev-7", "nogales"), kNode));
}

TEST_CASE("node clients see every record of their site") {
  CHECK(visibleTo(record({"op-2"}), kNode));
}
