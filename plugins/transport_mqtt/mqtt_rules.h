#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "yard/plugin.h"

namespace yard::transport_mqtt {

// The pure parts of the mqtt transport: where it connects, which topics it uses, and how each
// failure maps onto the transport ABI's classes (yard/plugin.h): YARD_RETRY may work later,
// YARD_PERMANENT needs an operator. Unit-tested without a broker.

struct BrokerAddress {
  std::string host;
  int port = 0;
  bool tls = false;
};

// mqtt://host[:port] (1883) or mqtts://host[:port] (8883). nullopt with why filled otherwise.
std::optional<BrokerAddress> parseBrokerUrl(std::string_view url, std::string& why);

// The node tree of the hub's broker (docs/upstream.md): requests go to {prefix}sync/req and
// answers come back on {prefix}sync/resp, prefix = yard/v1/{site}/node/{device}/.
std::string nodePrefix(std::string_view site, std::string_view device);
// The client id of the node's persistent session.
std::string nodeClientId(std::string_view device);

// A CONNACK refusal (MQTT 3.1.1 return code 1-5 or MQTT 5 reason code >= 0x80): refused
// credentials and protocol errors are permanent, a busy or unavailable broker is not.
yard_rc classifyConnack(int code);

// An answer from the hub: nullopt for a sync response; else the class of an {"error","message"}
// answer (the HTTP API's codes: "unavailable" and "internal" are worth another try, as HTTP 5xx
// are; bad_request, forbidden, too_large, bad_json are not) and message describes it.
std::optional<yard_rc> classifyAnswer(std::string_view payload, std::string& message);

// Full-jitter exponential backoff for reconnects inside one call: the wait before attempt n
// (n >= 1) for a uniform draw u in [0, 1).
int64_t reconnectDelayMs(int attempt, double u, int64_t base_ms = 200, int64_t cap_ms = 5000);

}  // namespace yard::transport_mqtt
