#include <catch2/catch.hpp>

#include "cli/yardctl/client.h"
#include "cli/yardctl/format.h"

using namespace yard::yardctl;
using Json = yard::core::Json;

namespace {
constexpr int64_t kNow = 1'700'000'000'000;
}

TEST_CASE("durations and ages read like people talk") {
  CHECK(formatDuration(0) == "0 s");
  CHECK(formatDuration(42'000) == "42 s");
  CHECK(formatDuration(5 * 60'000 + 10'000) == "5 min");
  CHECK(formatDuration(3 * 3'600'000 + 4 * 60'000) == "3 h 4 min");
  CHECK(formatDuration(72 * 3'600'000LL) == "3 days");
  CHECK(formatAgo(Json(), kNow) == "never");
  CHECK(formatAgo(Json(kNow - 1000), kNow) == "just now");
  CHECK(formatAgo(Json(kNow - 90'000), kNow) == "1 min ago");
}

TEST_CASE("the link is connected only when it is up") {
  CHECK(linkWords("up") == "connected");
  for (const char* other : {"down", "refused", "unknown", "none", "weird"})
    CHECK(linkWords(other).find("connected") != 0);
  CHECK(linkWords("unknown") == "not connected yet");
}

TEST_CASE("tables pad columns and trim line ends") {
  CHECK(formatTable({"A", "LONG"}, {{"xyz", "1"}, {"", ""}}) == "A    LONG\nxyz  1\n\n");
}

TEST_CASE("devices list flags clocks off by more than five minutes") {
  Json devices = Json::parse(R"([
    {"id":"dev-1","site":"yard-a","operator":"op-1","node":false,"revoked":false,
     "last_sync":1699999990000,"channel":"http","pending":2,"clock_skew_ms":-420000},
    {"id":"gw-2","site":"yard-a","operator":"","node":true,"revoked":true,
     "last_sync":null,"channel":"","pending":0,"clock_skew_ms":1000}])");
  const std::string text = formatDevices(devices, kNow);
  CHECK(text.find("DEVICE") == 0);
  CHECK(text.find("dev-1") != std::string::npos);
  CHECK(text.find("10 s ago") != std::string::npos);
  CHECK(text.find("OFF BY 7 min (behind)") != std::string::npos);
  CHECK(text.find("gw-2 (node)") != std::string::npos);
  CHECK(text.find("revoked") != std::string::npos);
  CHECK(text.find("never") != std::string::npos);
  CHECK(formatDevices(Json::array(), kNow) == "no devices enrolled\n");
}

TEST_CASE("conflicts list names what differs between the lost and kept versions") {
  Json conflicts = Json::parse(R"([{"audit_id":3,"record":"r-1","at":1699999940000,
    "restored":false,
    "lost":{"type":"inspection","body":{"equipment_id":"TRLU4411","notes":"a","status":"filled"},
            "origin":{"device":"dev-1","operator":"op-1","node":"gw"}},
    "kept":{"type":"inspection","body":{"equipment_id":"TRLU4411","notes":"b","lane":"3"},
            "origin":{"device":"dev-2","operator":"op-2","node":"gw"}}}])");
  const std::string text = formatConflicts(conflicts, kNow);
  CHECK(text.find("inspection TRLU4411") != std::string::npos);
  CHECK(text.find("op-1 on dev-1") != std::string::npos);
  CHECK(text.find("op-2 on dev-2") != std::string::npos);
  CHECK(text.find("lane,notes,status") != std::string::npos);
  CHECK(text.find("1 min ago") != std::string::npos);
  CHECK(text.find("open") != std::string::npos);
  CHECK(formatConflicts(Json::array(), kNow) == "no conflicts\n");
}

TEST_CASE("status summary") {
  Json status = Json::parse(R"({"node":"gw-1","site":"laredo","role":"gateway",
    "version":"0.1.0","uptime_s":7200,"records":12,"devices":3,
    "storage":{"plugin":"sqlite","healthy":true},
    "upstream":{"link":"down","transport":"https","last_success":1699999000000,"pending":4,
                "oldest_pending_age_ms":120000,"last_error":"connection refused"},
    "sync_writes":{"accepted":5,"conflict":1,"rejected":0},
    "plugins":{"storage.sqlite":{"errors":0}}})");
  const std::string text = formatStatus(status, kNow);
  CHECK(text.find("gw-1 (gateway, site laredo), version 0.1.0, up 2 h 0 min") != std::string::npos);
  CHECK(text.find("offline (upstream unreachable) (https), last success 16 min ago") !=
        std::string::npos);
  CHECK(text.find("4 records, oldest 2 min") != std::string::npos);
  CHECK(text.find("connection refused") != std::string::npos);
  CHECK(text.find("attachments n/a") != std::string::npos);
  CHECK(text.find("connected") == std::string::npos);
  status["upstream"] = Json{{"link", "none"}};
  CHECK(formatStatus(status, kNow).find("no upstream configured") != std::string::npos);
}

TEST_CASE("sync progress") {
  CHECK(progressBar(10, 40, 20) == "[#####---------------]  10/40");
  CHECK(progressBar(0, 0, 4) == "[####]  0/0");
  CHECK(progressBar(50, 40, 4) == "[####]  40/40");
  const std::string line =
      syncProgressLine(30, 40, Json{{"link", "down"}, {"last_error", "timed out"}});
  CHECK(line.find("10/40 records sent, 30 waiting; link offline") == line.find("]") + 3);
  CHECK(line.find("timed out") != std::string::npos);
  CHECK(syncProgressLine(0, 0, Json{{"link", "up"}}) == "nothing waiting; link connected");
}

TEST_CASE("HTTP errors in plain words with their exit codes") {
  Target t;
  t.token_file = "/var/lib/yard-gateway/admin.token";
  auto e401 = describeHttpError(401, R"({"error":"unauthorized"})", t);
  CHECK(e401.code == kExitAuth);
  CHECK(e401.message.find("refused the admin token from /var/lib/yard-gateway/admin.token") !=
        std::string::npos);
  CHECK(describeHttpError(403, "", t).code == kExitAuth);
  auto e409 =
      describeHttpError(409, R"({"error":"conflict","message":"no upstream is configured"})", t);
  CHECK(e409.code == kExitRefused);
  CHECK(e409.message == "no upstream is configured");
  CHECK(describeHttpError(404, "not json", t).message == "HTTP 404");
  CHECK(describeHttpError(500, R"({"message":"disk full"})", t).code == kExitFailed);
}
