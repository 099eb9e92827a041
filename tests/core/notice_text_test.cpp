#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>

#include "core/notice_text.h"

using namespace yard::core;

namespace {

struct UtcZone {
  UtcZone() {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

Record version(const std::string& op, const std::string& client_time, const std::string& stamp) {
  Record r;
  r.id = "0d6f2a9c-1111-2222-3333-444455556666";
  r.type = "inspection";
  r.body = Json{{"status", "filled"}, {"equipment_id", "TRLU4411"}};
  r.origin = Origin{"dev-" + op, op, "gw-1"};
  r.client_time = client_time;
  r.stamp = stamp;
  return r;
}

}  // namespace

TEST_CASE("conflict notice reads as the yard speaks") {
  UtcZone utc;
  // 2026-11-24T10:05:00Z
  Record yours = version("op-1", "2026-11-24T10:02:11Z", "0001795514531250-0000-gw-1");
  Record kept = version("op-2", "2026-11-24T10:04:50Z", "0001795514700000-0000-gw-1");
  CHECK(conflictText(yours, kept, "the gateway") ==
        "Your change to inspection TRLU4411 made 10:02 on this phone was replaced by op-2's "
        "change received 10:05; the gateway kept op-2's version.");
}

TEST_CASE("records without an equipment id are named by a short id") {
  Record r = version("op-1", "", "");
  r.body.erase("equipment_id");
  CHECK(recordLabel(r) == "inspection 0d6f2a9c");
}

TEST_CASE("rejected notice says why and what was kept") {
  Record yours = version("op-1", "2026-11-24T10:02:11Z", "");
  Record kept = version("op-2", "", "0001795514700000-0000-gw-1");
  CHECK(rejectedText(yours, "inspection: 'submitted' needs a signature", &kept, "the gateway") ==
        "Your change to inspection TRLU4411 made 10:02 on this phone was not accepted: "
        "inspection: 'submitted' needs a signature. The gateway kept the version by op-2.");
  CHECK(rejectedText(yours, "unknown record type 'x'", nullptr, "the gateway")
            .find("your draft was removed") != std::string::npos);
}

TEST_CASE("client clock is read only from well-formed ISO times") {
  CHECK(clientClock("2026-11-24T10:02:11Z") == "10:02");
  CHECK(clientClock("2026-11-24T10:02").empty() == false);
  CHECK(clientClock("10:02").empty());
  CHECK(clientClock("2026-11-24T1x:02:11Z").empty());
  CHECK(clientClock("").empty());
}
