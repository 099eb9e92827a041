#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace yard::mqtt {

// The topic tree of the device channel (DESIGN §5). Pure: no I/O, unit-tested.
//   yard/v1/{site}/dev/{device}/sync/req   device -> gateway
//   yard/v1/{site}/dev/{device}/sync/resp  gateway -> device
//   yard/v1/{site}/dev/{device}/notify     gateway -> device
//   yard/v1/{site}/gateway/state           retained online / offline
// and, on a hub, the node tree its gateways use as an upstream transport (docs/upstream.md):
//   yard/v1/{site}/node/{device}/sync/req  node gateway -> hub
//   yard/v1/{site}/node/{device}/sync/resp hub -> node gateway
std::string siteRoot(std::string_view site);                               // "yard/v1/{site}/"
std::string devicePrefix(std::string_view site, std::string_view device);  // ".../dev/{device}/"
std::string requestFilter(std::string_view site);                          // ".../dev/+/sync/req"
std::string nodePrefix(std::string_view site, std::string_view device);    // ".../node/{device}/"
std::string nodeRequestFilter(std::string_view site);                      // ".../node/+/sync/req"
std::string responseTopic(std::string_view site, std::string_view device);
std::string notifyTopic(std::string_view site, std::string_view device);
std::string stateTopic(std::string_view site);

// The device a request topic names, if topic is exactly a sync/req topic of site with a
// non-empty device segment that is a valid id.
std::optional<std::string> deviceOfRequest(std::string_view topic, std::string_view site);
// The same for the node tree: the node device of a .../node/{device}/sync/req topic.
std::optional<std::string> nodeOfRequest(std::string_view topic, std::string_view site);

// Where the answer to device's request goes: the MQTT 5 response topic it asked for when that
// lies strictly under its own prefix and is a plain topic (no wildcard, no NUL), else its
// sync/resp. Anything else would let a device make the privileged gateway publish into another
// device's (or the gateway's own) topics.
// node: the device asked through the node tree (its prefix and sync/resp are there).
std::string chooseResponseTopic(std::string_view site, std::string_view device,
                                std::string_view requested, bool node = false);

// The gateway's fixed client id, so the broker keeps its session (and the requests queued in
// it) across gateway restarts. MQTT 5 allows 23+ characters; Mosquitto takes up to 65535.
std::string gatewayClientId(std::string_view node_id);

}  // namespace yard::mqtt
