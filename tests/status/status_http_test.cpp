// The status page, /metrics and the store endpoints as served by the real daemon.
#include <catch2/catch.hpp>

#include "harness/gateway_process.h"

using namespace yard::clitest;

TEST_CASE("the status page shell is public, embedded, typed and cacheable") {
  GatewayProcess gw;
  gw.start();
  auto page = httpCall(gw.port(), "GET", "/", "");
  REQUIRE(page.status == 200);
  CHECK(page.headers["Content-Type"] == "text/html; charset=utf-8");
  CHECK(page.headers["Cache-Control"] == "no-cache");
  CHECK(page.headers["Content-Security-Policy"].find("default-src 'none'") != std::string::npos);
  CHECK(page.body.find("/status/app.js") != std::string::npos);
  CHECK(page.body.find("http://") == std::string::npos);  // nothing from elsewhere
  CHECK(page.body.find("https://") == std::string::npos);
  const std::string etag = page.headers["ETag"];
  REQUIRE(etag.size() > 2);
  auto again = httpCall(gw.port(), "GET", "/", "", "", {{"If-None-Match", etag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());

  auto js = httpCall(gw.port(), "GET", "/status/app.js", "");
  CHECK(js.status == 200);
  CHECK(js.headers["Content-Type"] == "text/javascript; charset=utf-8");
  CHECK(js.body.find("sessionStorage") != std::string::npos);
  auto css = httpCall(gw.port(), "GET", "/status/style.css", "");
  CHECK(css.status == 200);
  CHECK(css.headers["Content-Type"] == "text/css; charset=utf-8");
  CHECK(httpCall(gw.port(), "GET", "/status/nope.js", "").status == 404);
}

TEST_CASE("/metrics needs the admin token and counts what happened") {
  GatewayProcess gw;
  gw.start();
  const std::string phone = enroll(gw.port(), gw.adminToken(), "dev-1", "yard-a", "op-1");
  CHECK(httpCall(gw.port(), "GET", "/metrics", "").status == 401);
  CHECK(httpCall(gw.port(), "GET", "/metrics", phone).status == 403);

  phoneSync(gw.port(), "dev-1", phone,
            {createWrite(uniqueId("r"), {{"equipment_id", "A"}}),
             createWrite(uniqueId("r"), {{"equipment_id", "B"}})});
  Json bad = createWrite(uniqueId("r"), {{"equipment_id", 7}});  // wrong type: rejected
  phoneSync(gw.port(), "dev-1", phone, {bad});

  auto metrics = httpCall(gw.port(), "GET", "/metrics", gw.adminToken());
  REQUIRE(metrics.status == 200);
  CHECK(metrics.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = metrics.body;
  CHECK(text.find("yard_sync_writes_total{status=\"accepted\"} 2\n") != std::string::npos);
  CHECK(text.find("yard_sync_writes_total{status=\"rejected\"} 1\n") != std::string::npos);
  CHECK(text.find("yard_http_requests_total{code=\"4xx\"} 2\n") != std::string::npos);
  CHECK(text.find("yard_upstream_link_state{state=\"none\"} 1\n") != std::string::npos);
  CHECK(text.find("yard_plugin_errors_total{plugin=\"storage.sqlite\"} 0\n") != std::string::npos);
  CHECK(text.find("yard_store_records 2\n") != std::string::npos);
  CHECK(text.find("yard_process_resident_memory_bytes ") != std::string::npos);
  CHECK(text.find("yard_commit_groups_total ") != std::string::npos);

  auto status = httpCall(gw.port(), "GET", "/v1/status", gw.adminToken()).json();
  CHECK(status["sync_writes"]["accepted"] == 2);
  const Json& history = status["history"];
  REQUIRE(history["writes_accepted"].size() >= 1);
  int64_t accepted = 0;
  for (const auto& n : history["writes_accepted"]) accepted += n.get<int64_t>();
  CHECK(accepted == 2);
  CHECK(history["backlog"].size() == history["requests"].size());
}

TEST_CASE("backup and check are admin-only") {
  GatewayProcess gw;
  gw.start();
  const std::string phone = enroll(gw.port(), gw.adminToken(), "dev-1", "yard-a", "op-1");
  CHECK(httpCall(gw.port(), "GET", "/v1/admin/backup", phone).status == 403);
  CHECK(httpCall(gw.port(), "GET", "/v1/admin/check", "").status == 401);
  auto backup = httpCall(gw.port(), "GET", "/v1/admin/backup", gw.adminToken());
  REQUIRE(backup.status == 200);
  CHECK(backup.headers["Content-Type"] == "application/octet-stream");
  CHECK(backup.body.rfind("SQLite format 3", 0) == 0);
  CHECK(std::stoul(backup.headers["Content-Length"]) == backup.body.size());
  auto check = httpCall(gw.port(), "GET", "/v1/admin/check", gw.adminToken()).json();
  CHECK(check["ok"] == true);
}
