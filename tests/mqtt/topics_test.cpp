#include <catch2/catch.hpp>

#include "acl_policy.h"
#include "mqtt/change_notifier.h"
#include "mqtt/topics.h"

using namespace yard;
using namespace yard::mqtt;

TEST_CASE("topics of the device channel follow DESIGN §5") {
  CHECK(requestFilter("yard-a") == "yard/v1/yard-a/dev/+/sync/req");
  CHECK(responseTopic("yard-a", "dev-1") == "yard/v1/yard-a/dev/dev-1/sync/resp");
  CHECK(notifyTopic("yard-a", "dev-1") == "yard/v1/yard-a/dev/dev-1/notify");
  CHECK(stateTopic("yard-a") == "yard/v1/yard-a/gateway/state");
  CHECK(gatewayClientId("gw-1") == "yard-gw-gw-1");
}

TEST_CASE("the device of a request comes only from an exact request topic of this site") {
  CHECK(deviceOfRequest("yard/v1/yard-a/dev/dev-1/sync/req", "yard-a") == "dev-1");
  CHECK_FALSE(deviceOfRequest("yard/v1/yard-b/dev/dev-1/sync/req", "yard-a"));
  CHECK_FALSE(deviceOfRequest("yard/v1/yard-a/dev//sync/req", "yard-a"));
  CHECK_FALSE(deviceOfRequest("yard/v1/yard-a/dev/a/b/sync/req", "yard-a"));
  CHECK_FALSE(deviceOfRequest("yard/v1/yard-a/dev/dev-1/sync/resp", "yard-a"));
  CHECK_FALSE(deviceOfRequest("yard/v1/yard-a/dev/sync/req", "yard-a"));
  CHECK_FALSE(deviceOfRequest("yard/v1/yard-a/dev/+/sync/req", "yard-a"));
}

TEST_CASE("a response topic is honoured only under the device's own prefix") {
  const std::string fallback = "yard/v1/s/dev/d1/sync/resp";
  CHECK(chooseResponseTopic("s", "d1", "yard/v1/s/dev/d1/r/42") == "yard/v1/s/dev/d1/r/42");
  CHECK(chooseResponseTopic("s", "d1", "") == fallback);
  CHECK(chooseResponseTopic("s", "d1", "yard/v1/s/dev/d1/") == fallback);
  CHECK(chooseResponseTopic("s", "d1", "yard/v1/s/dev/d2/sync/resp") == fallback);
  CHECK(chooseResponseTopic("s", "d1", "yard/v1/s/dev/d10/x") == fallback);
  CHECK(chooseResponseTopic("s", "d1", "yard/v1/s/gateway/state") == fallback);
  CHECK(chooseResponseTopic("s", "d1", "yard/v1/s/dev/d1/#") == fallback);
  CHECK(chooseResponseTopic("s", "d1", "yard/v1/s/dev/d1/+/x") == fallback);
  CHECK(chooseResponseTopic("s", "d1", std::string("yard/v1/s/dev/d1/a\0b", 21)) == fallback);
}

TEST_CASE("the node tree: requests and answers of gateways whose hub answers over MQTT") {
  CHECK(nodeRequestFilter("s") == "yard/v1/s/node/+/sync/req");
  CHECK(nodeOfRequest("yard/v1/s/node/gw-a/sync/req", "s") == "gw-a");
  CHECK_FALSE(nodeOfRequest("yard/v1/s/dev/gw-a/sync/req", "s"));
  CHECK_FALSE(deviceOfRequest("yard/v1/s/node/gw-a/sync/req", "s"));
  CHECK_FALSE(nodeOfRequest("yard/v1/t/node/gw-a/sync/req", "s"));
  CHECK_FALSE(nodeOfRequest("yard/v1/s/node/+/sync/req", "s"));
  CHECK(chooseResponseTopic("s", "gw-a", "yard/v1/s/node/gw-a/r/1", true) ==
        "yard/v1/s/node/gw-a/r/1");
  CHECK(chooseResponseTopic("s", "gw-a", "", true) == "yard/v1/s/node/gw-a/sync/resp");
  CHECK(chooseResponseTopic("s", "gw-a", "yard/v1/s/dev/gw-a/r/1", true) ==
        "yard/v1/s/node/gw-a/sync/resp");
  CHECK(chooseResponseTopic("s", "gw-a", "yard/v1/s/node/gw-b/sync/resp", true) ==
        "yard/v1/s/node/gw-a/sync/resp");
}

namespace {

core::Record recordOf(const std::string& site, std::vector<std::string> assigned,
                      const std::string& author) {
  core::Record r;
  r.id = "r-1";
  r.type = "inspection";
  r.site = site;
  r.assigned_to = std::move(assigned);
  r.origin.device = author;
  return r;
}

store::DeviceRow device(const std::string& id, const std::string& op, bool revoked = false,
                        const std::string& site = "s") {
  store::DeviceRow d;
  d.id = id;
  d.site = site;
  d.operator_id = op;
  d.revoked = revoked;
  return d;
}

}  // namespace

TEST_CASE("notify goes to every active device of the site that can see a change") {
  const std::vector<store::DeviceRow> devices{device("d1", "op-1"), device("d2", "op-2"),
                                              device("d3", "op-3", true),
                                              device("d4", "op-1", false, "other")};
  CHECK(devicesToNotify({recordOf("s", {}, "d9")}, devices, "s") ==
        std::set<std::string>{"d1", "d2"});
  CHECK(devicesToNotify({recordOf("s", {"op-2"}, "d9")}, devices, "s") ==
        std::set<std::string>{"d2"});
  // The author sees its own record even when it is assigned to someone else.
  CHECK(devicesToNotify({recordOf("s", {"op-2"}, "d1")}, devices, "s") ==
        std::set<std::string>{"d1", "d2"});
  CHECK(devicesToNotify({recordOf("other", {}, "d4")}, devices, "s").empty());
  CHECK(devicesToNotify({}, devices, "s").empty());
}

TEST_CASE("broker ACLs: a device uses only its own topics") {
  using mosquitto_auth::Access;
  using mosquitto_auth::deviceMay;
  CHECK(deviceMay("s", "d1", false, "yard/v1/s/dev/d1/sync/req", Access::kWrite, false));
  CHECK_FALSE(deviceMay("s", "d1", false, "yard/v1/s/dev/d1/sync/req", Access::kWrite, true));
  CHECK_FALSE(deviceMay("s", "d1", false, "yard/v1/s/dev/d2/sync/req", Access::kWrite, false));
  CHECK_FALSE(deviceMay("s", "d1", false, "yard/v1/s/dev/d1/sync/resp", Access::kWrite, false));
  CHECK_FALSE(deviceMay("s", "d1", false, "yard/v1/s/gateway/state", Access::kWrite, false));
  CHECK(deviceMay("s", "d1", false, "yard/v1/s/dev/d1/#", Access::kSubscribe, false));
  CHECK(deviceMay("s", "d1", false, "yard/v1/s/dev/d1/sync/resp", Access::kRead, false));
  CHECK(deviceMay("s", "d1", false, "yard/v1/s/gateway/state", Access::kSubscribe, false));
  CHECK_FALSE(deviceMay("s", "d1", false, "yard/v1/s/dev/+/sync/resp", Access::kSubscribe, false));
  CHECK_FALSE(deviceMay("s", "d1", false, "yard/v1/s/dev/d10/notify", Access::kRead, false));
  CHECK_FALSE(deviceMay("s", "d1", false, "#", Access::kSubscribe, false));
  CHECK_FALSE(deviceMay("s", "d1", false, "yard/v1/t/dev/d1/notify", Access::kRead, false));
  // A phone has no business in the node tree.
  CHECK_FALSE(deviceMay("s", "d1", false, "yard/v1/s/node/d1/sync/req", Access::kWrite, false));
  CHECK_FALSE(deviceMay("s", "d1", false, "yard/v1/s/node/d1/#", Access::kSubscribe, false));
  CHECK(mosquitto_auth::gatewayMay("s", "yard/v1/s/dev/+/sync/req"));
  CHECK_FALSE(mosquitto_auth::gatewayMay("s", "yard/v1/t/dev/d1/notify"));
  CHECK_FALSE(mosquitto_auth::gatewayMay("s", "$SYS/broker/uptime"));
}

TEST_CASE("broker ACLs: a node device uses only its own node topics") {
  using mosquitto_auth::Access;
  using mosquitto_auth::deviceMay;
  CHECK(deviceMay("s", "gw-a", true, "yard/v1/s/node/gw-a/sync/req", Access::kWrite, false));
  CHECK_FALSE(deviceMay("s", "gw-a", true, "yard/v1/s/node/gw-a/sync/req", Access::kWrite, true));
  CHECK(deviceMay("s", "gw-a", true, "yard/v1/s/node/gw-a/sync/resp", Access::kRead, false));
  CHECK(deviceMay("s", "gw-a", true, "yard/v1/s/node/gw-a/#", Access::kSubscribe, false));
  CHECK(deviceMay("s", "gw-a", true, "yard/v1/s/gateway/state", Access::kSubscribe, false));
  // Not another node's answers, not its requests, not the phones' tree, not a wider filter.
  CHECK_FALSE(deviceMay("s", "gw-a", true, "yard/v1/s/node/gw-b/sync/resp", Access::kRead, false));
  CHECK_FALSE(deviceMay("s", "gw-a", true, "yard/v1/s/node/gw-b/sync/req", Access::kWrite, false));
  CHECK_FALSE(deviceMay("s", "gw-a", true, "yard/v1/s/node/gw-a/sync/resp", Access::kWrite, false));
  CHECK_FALSE(
      deviceMay("s", "gw-a", true, "yard/v1/s/node/+/sync/resp", Access::kSubscribe, false));
  CHECK_FALSE(deviceMay("s", "gw-a", true, "yard/v1/s/node/gw-ab/sync/resp", Access::kRead, false));
  CHECK_FALSE(deviceMay("s", "gw-a", true, "yard/v1/s/dev/gw-a/sync/req", Access::kWrite, false));
  CHECK_FALSE(deviceMay("s", "gw-a", true, "yard/v1/t/node/gw-a/sync/req", Access::kWrite, false));
}
