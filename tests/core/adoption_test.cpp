#include <catch2/catch.hpp>

#include "core/adoption.h"

using namespace yard::core;

namespace {

Record version(const std::string& stamp, const std::string& base, const std::string& node,
               const std::string& status = "filled") {
  Record r;
  r.id = "r-1";
  r.type = "inspection";
  r.site = "laredo";
  r.body = Json{{"status", status}, {"equipment_id", "TRLU4411"}};
  r.stamp = stamp;
  r.base = base;
  r.origin = Origin{"dev-1", "op-1", node};
  return r;
}

const std::string S0 = "0000000000000500-0000-hub";
const std::string S1 = "0000000000001000-0000-gw-1";
const std::string S2 = "0000000000002000-0000-gw-2";

}  // namespace

TEST_CASE("adoption: a record new to this node is stored") {
  Adoption a = decideAdoption(version(S2, "", "gw-2"), nullptr, "gw-1");
  CHECK(a.store);
  CHECK_FALSE(a.audit_local);
}

TEST_CASE("adoption: the same or an older version changes nothing") {
  Record local = version(S2, S0, "gw-1");
  CHECK_FALSE(decideAdoption(version(S2, S0, "gw-1"), &local, "gw-1").store);
  CHECK_FALSE(decideAdoption(version(S1, S0, "gw-2"), &local, "gw-1").store);
}

TEST_CASE("adoption: a later edit made on top of ours replaces it silently") {
  Record local = version(S1, S0, "gw-1");
  Adoption a = decideAdoption(version(S2, S1, "gw-2", "photos"), &local, "gw-1");
  CHECK(a.store);
  CHECK_FALSE(a.audit_local);
  CHECK_FALSE(a.notify_local);
}

TEST_CASE("adoption: a later concurrent edit replaces ours; ours is audited, our phone told") {
  Record local = version(S1, S0, "gw-1");
  Adoption a = decideAdoption(version(S2, S0, "gw-2", "photos"), &local, "gw-1");
  CHECK(a.store);
  CHECK(a.audit_local);
  CHECK(a.notify_local);
}

TEST_CASE("adoption: a lost version adopted from elsewhere is audited, nobody here told") {
  Record local = version(S1, S0, "gw-3");  // came to us from upstream earlier
  Adoption a = decideAdoption(version(S2, S0, "gw-2", "photos"), &local, "gw-1");
  CHECK(a.audit_local);
  CHECK_FALSE(a.notify_local);
}

TEST_CASE("adoption: identical content never counts as a loss") {
  Record local = version(S1, S0, "gw-1");
  Adoption a = decideAdoption(version(S2, S0, "gw-2"), &local, "gw-1");
  CHECK(a.store);
  CHECK_FALSE(a.audit_local);
}
