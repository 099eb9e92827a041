// yardctl sync against a gateway with a real upstream (a hub daemon): it starts a round and
// returns once the backlog is drained; with the hub gone it gives up at its timeout and says why.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

#include "harness/gateway_process.h"

using namespace yard::clitest;

namespace {

std::map<std::string, std::string> upstreamTo(const GatewayProcess& hub,
                                              const std::string& token_file) {
  return {{"upstream.transport", "https"},
          {"upstream.url", hub.url()},
          {"upstream.token_file", token_file},
          {"upstream.interval_s", "3600"},
          {"upstream.timeout_s", "5"}};
}

}  // namespace

TEST_CASE("yardctl sync drains the backlog, and gives up in words when upstream is gone") {
  GatewayProcess hub("hub-1", "yard-a", {{"node.role", "hub"}});
  hub.start();
  const Json enrolment{{"id", "gw-cli"}, {"site", "yard-a"}, {"node", true}};
  auto reply =
      httpCall(hub.port(), "POST", "/v1/admin/devices", hub.adminToken(), enrolment.dump());
  REQUIRE(reply.status == 201);
  const std::string token_file = hub.dir() + "/upstream.token";
  std::ofstream(token_file) << reply.json()["token"].get<std::string>() << "\n";
  ::chmod(token_file.c_str(), 0600);

  GatewayProcess gw("gw-cli", "yard-a", upstreamTo(hub, token_file));
  gw.start();
  const std::string phone = enroll(gw.port(), gw.adminToken(), "dev-1", "yard-a", "op-1");
  std::vector<Json> writes;
  for (int i = 0; i < 30; ++i)
    writes.push_back(createWrite(uniqueId("r"), {{"equipment_id", "EQ" + std::to_string(i)}}));
  phoneSync(gw.port(), "dev-1", phone, writes);

  auto sync = yardctl({"--config", gw.configPath(), "sync", "--timeout", "60"});
  INFO(sync.out << sync.err << gw.log());
  REQUIRE(sync.exit_code == 0);
  CHECK(sync.out.find("link connected") != std::string::npos);
  CHECK(sync.out.find("upstream is up to date") != std::string::npos);
  CHECK(sync.out.find('\r') == std::string::npos);  // not a TTY: plain lines
  auto hub_status = httpCall(hub.port(), "GET", "/v1/status", hub.adminToken()).json();
  CHECK(hub_status["records"] == 30);

  auto json = yardctl({"--config", gw.configPath(), "sync", "--json"});
  INFO(json.err);
  REQUIRE(json.exit_code == 0);
  const Json drained = Json::parse(json.out);
  CHECK(drained["drained"] == true);
  CHECK(drained["upstream"]["pending"] == 0);

  REQUIRE(hub.stop() == 0);
  phoneSync(gw.port(), "dev-1", phone, {createWrite(uniqueId("r"), {{"equipment_id", "LATE"}})});
  auto stuck = yardctl({"--config", gw.configPath(), "sync", "--timeout", "3"});
  CHECK(stuck.exit_code == 1);
  CHECK(stuck.err.find("gave up after 3 s: 1 records still waiting") != std::string::npos);
  CHECK(stuck.out.find("link connected") == std::string::npos);
  auto status = yardctl({"--config", gw.configPath(), "status"});
  CHECK(status.out.find("offline") != std::string::npos);
}
