#pragma once

#include <string_view>

namespace yard::mosquitto_auth {

// What a client asks to do with a topic (Mosquitto's MOSQ_ACL_READ/WRITE/SUBSCRIBE).
enum class Access { kRead, kWrite, kSubscribe };

// The broker-side half of DESIGN §5's "each device may only use its own topics". Pure.
//
// A device (username = device id) may publish only {own}sync/req, and not retained (a
// retained request would be answered again on every gateway reconnect); it may subscribe to and
// receive only topics under {own} and the site's yard/v1/{site}/gateway/state. {own} is
// yard/v1/{site}/dev/{device}/ for a phone and yard/v1/{site}/node/{device}/ for a node device
// (a gateway whose hub answers over this broker, docs/upstream.md): each kind has its own tree
// and neither can reach the other's. A subscription filter is judged by its literal prefix, so
// wildcards are fine below the device's own level and useless above it.
bool deviceMay(std::string_view site, std::string_view device, bool node, std::string_view topic,
               Access access, bool retain);

// The gateway's privileged user may use every topic under yard/v1/{site}/.
bool gatewayMay(std::string_view site, std::string_view topic);

// Whether topic belongs to the yard tree at all (others are left to the broker's other rules).
bool isYardTopic(std::string_view topic);

}  // namespace yard::mosquitto_auth
