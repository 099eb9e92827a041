#include "mqtt/topics.h"

#include "core/record.h"

namespace yard::mqtt {
namespace {

constexpr std::string_view kRequestSuffix = "/sync/req";

std::string join(std::string_view a, std::string_view b) {
  std::string out(a);
  out += b;
  return out;
}

}  // namespace

std::string siteRoot(std::string_view site) { return join(join("yard/v1/", site), "/"); }

std::string devicePrefix(std::string_view site, std::string_view device) {
  return join(join(siteRoot(site) + "dev/", device), "/");
}

std::string requestFilter(std::string_view site) { return siteRoot(site) + "dev/+/sync/req"; }

std::string nodePrefix(std::string_view site, std::string_view device) {
  return join(join(siteRoot(site) + "node/", device), "/");
}

std::string nodeRequestFilter(std::string_view site) { return siteRoot(site) + "node/+/sync/req"; }

std::string responseTopic(std::string_view site, std::string_view device) {
  return devicePrefix(site, device) + "sync/resp";
}

std::string notifyTopic(std::string_view site, std::string_view device) {
  return devicePrefix(site, device) + "notify";
}

std::string stateTopic(std::string_view site) { return siteRoot(site) + "gateway/state"; }

namespace {

// The {device} of {siteRoot}{tree}{device}/sync/req.
std::optional<std::string> senderOf(std::string_view topic, std::string_view site,
                                    std::string_view tree) {
  const std::string head = siteRoot(site) + std::string(tree);
  if (topic.size() <= head.size() + kRequestSuffix.size()) return std::nullopt;
  if (topic.substr(0, head.size()) != head) return std::nullopt;
  if (topic.substr(topic.size() - kRequestSuffix.size()) != kRequestSuffix) return std::nullopt;
  std::string device(topic.substr(head.size(), topic.size() - head.size() - kRequestSuffix.size()));
  // isValidId excludes '/', '+' and '#', so the device is exactly one topic level.
  if (!core::isValidId(device)) return std::nullopt;
  return device;
}

}  // namespace

std::optional<std::string> deviceOfRequest(std::string_view topic, std::string_view site) {
  return senderOf(topic, site, "dev/");
}

std::optional<std::string> nodeOfRequest(std::string_view topic, std::string_view site) {
  return senderOf(topic, site, "node/");
}

std::string chooseResponseTopic(std::string_view site, std::string_view device,
                                std::string_view requested, bool node) {
  const std::string prefix = node ? nodePrefix(site, device) : devicePrefix(site, device);
  const bool own = requested.size() > prefix.size() && requested.substr(0, prefix.size()) == prefix;
  const bool plain = requested.find_first_of(std::string_view("+#\0", 3)) == std::string_view::npos;
  if (own && plain) return std::string(requested);
  return node ? prefix + "sync/resp" : responseTopic(site, device);
}

std::string gatewayClientId(std::string_view node_id) { return join("yard-gw-", node_id); }

}  // namespace yard::mqtt
