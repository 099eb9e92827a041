#pragma once

#include <string_view>

namespace yard::mosquitto_auth {

// What a client asks to do with a topic (Mosquitto's MOSQ_ACL_READ/WRITE/SUBSCRIBE).
enum class Access { kRead, kWrite, kSubscribe };

// The broker-side half of DESIGN §5's "each device may only use its own topics". Pure.
//
// A device (username = device id) may publish only yard/v1/{site}/dev/{device}/sync/req, and
// not retained (a retained request would be answered again on every gateway reconnect); it may
// subscribe to and receive only topics under yard/v1/{site}/dev/{device}/ and the site's
// yard/v1/{site}/gateway/state. A subscription filter is judged by its literal prefix, so
// wildcards are fine below the device's own level and useless above it.
bool deviceMay(std::string_view site, std::string_view device, std::string_view topic,
               Access access, bool retain);

// The gateway's privileged user may use every topic under yard/v1/{site}/.
bool gatewayMay(std::string_view site, std::string_view topic);

// Whether topic belongs to the yard tree at all (others are left to the broker's other rules).
bool isYardTopic(std::string_view topic);

}  // namespace yard::mosquitto_auth
