#include "acl_policy.h"

#include <string>

namespace yard::mosquitto_auth {
namespace {

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

std::string siteRoot(std::string_view site) { return "yard/v1/" + std::string(site) + "/"; }

}  // namespace

bool isYardTopic(std::string_view topic) { return startsWith(topic, "yard/"); }

bool deviceMay(std::string_view site, std::string_view device, bool node, std::string_view topic,
               Access access, bool retain) {
  const std::string own = siteRoot(site) + (node ? "node/" : "dev/") + std::string(device) + "/";
  switch (access) {
    case Access::kWrite:
      return !retain && topic == own + "sync/req";
    case Access::kRead:
    case Access::kSubscribe:
      return (topic.size() > own.size() && startsWith(topic, own)) ||
             topic == siteRoot(site) + "gateway/state";
  }
  return false;
}

bool gatewayMay(std::string_view site, std::string_view topic) {
  const std::string root = siteRoot(site);
  return topic.size() > root.size() && startsWith(topic, root);
}

}  // namespace yard::mosquitto_auth
