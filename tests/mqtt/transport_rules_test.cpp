#include <catch2/catch.hpp>

#include "mqtt_rules.h"

using namespace yard::transport_mqtt;

TEST_CASE("mqtt transport: broker URLs") {
  std::string why;
  auto plain = parseBrokerUrl("mqtt://hq.example.com", why);
  REQUIRE(plain);
  CHECK(plain->host == "hq.example.com");
  CHECK(plain->port == 1883);
  CHECK_FALSE(plain->tls);
  auto tls = parseBrokerUrl("mqtts://10.0.0.5:9883/", why);
  REQUIRE(tls);
  CHECK(tls->host == "10.0.0.5");
  CHECK(tls->port == 9883);
  CHECK(tls->tls);
  CHECK(parseBrokerUrl("mqtts://[::1]:8883", why)->host == "::1");
  CHECK(parseBrokerUrl("mqtts://[::1]", why)->port == 8883);
  for (const char* bad : {"http://hq", "mqtt://", "mqtt://hq:0", "mqtt://hq:70000", "mqtt://hq:x",
                          "mqtt://user:pw@hq", "mqtt://hq/topic"}) {
    INFO(bad);
    why.clear();
    CHECK_FALSE(parseBrokerUrl(bad, why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("mqtt transport: a node's topics and client id") {
  CHECK(nodePrefix("yard-a", "gw-a") == "yard/v1/yard-a/node/gw-a/");
  CHECK(nodeClientId("gw-a") == "yard-node-gw-a");
}

TEST_CASE("mqtt transport: CONNACK refusals map onto retry or permanent") {
  CHECK(classifyConnack(0) == YARD_OK);
  CHECK(classifyConnack(3) == YARD_RETRY);         // 3.1.1 server unavailable
  CHECK(classifyConnack(0x88) == YARD_RETRY);      // server unavailable
  CHECK(classifyConnack(0x89) == YARD_RETRY);      // server busy
  CHECK(classifyConnack(4) == YARD_PERMANENT);     // 3.1.1 bad user name or password
  CHECK(classifyConnack(5) == YARD_PERMANENT);     // 3.1.1 not authorised
  CHECK(classifyConnack(0x86) == YARD_PERMANENT);  // bad user name or password
  CHECK(classifyConnack(0x87) == YARD_PERMANENT);  // not authorized
  CHECK(classifyConnack(0x8A) == YARD_PERMANENT);  // banned
}

TEST_CASE("mqtt transport: the hub's answers") {
  std::string message;
  CHECK_FALSE(classifyAnswer(R"({"results":[],"changes":[],"cursor":"1"})", message));
  CHECK(classifyAnswer(R"({"error":"unavailable","message":"busy"})", message) == YARD_RETRY);
  CHECK(message == "upstream answered unavailable: busy");
  CHECK(classifyAnswer(R"({"error":"internal","message":"x"})", message) == YARD_RETRY);
  CHECK(classifyAnswer(R"({"error":"forbidden","message":"revoked"})", message) == YARD_PERMANENT);
  // The round recognises an older hub by the field its 400 names: the message must carry it.
  CHECK(classifyAnswer(R"({"error":"bad_request","message":"unknown field 'brief'"})", message) ==
        YARD_PERMANENT);
  CHECK(message.find("unknown field 'brief'") != std::string::npos);
  CHECK(classifyAnswer("not json", message) == YARD_RETRY);
}

TEST_CASE("mqtt transport: reconnect waits are jittered and capped") {
  CHECK(reconnectDelayMs(1, 0.5) == 100);
  CHECK(reconnectDelayMs(2, 0.5) == 200);
  CHECK(reconnectDelayMs(3, 0.999) == 799);
  CHECK(reconnectDelayMs(20, 0.5) == 2500);  // capped at 5 s
  CHECK(reconnectDelayMs(1, 0.0) == 1);      // never zero: no busy loop
}
