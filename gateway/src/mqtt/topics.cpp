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

std::string responseTopic(std::string_view site, std::string_view device) {
  return devicePrefix(site, device) + "sync/resp";
}

std::string notifyTopic(std::string_view site, std::string_view device) {
  return devicePrefix(site, device) + "notify";
}

std::string stateTopic(std::string_view site) { return siteRoot(site) + "gateway/state"; }

std::optional<std::string> deviceOfRequest(std::string_view topic, std::string_view site) {
  const std::string head = siteRoot(site) + "dev/";
  if (topic.size() <= head.size() + kRequestSuffix.size()) return std::nullopt;
  if (topic.substr(0, head.size()) != head) return std::nullopt;
  if (topic.substr(topic.size() - kRequestSuffix.size()) != kRequestSuffix) return std::nullopt;
  std::string device(topic.substr(head.size(), topic.size() - head.size() - kRequestSuffix.size()));
  // isValidId excludes '/', '+' and '#', so the device is exactly one topic level.
  if (!core::isValidId(device)) return std::nullopt;
  return device;
}

std::string chooseResponseTopic(std::string_view site, std::string_view device,
                                std::string_view requested) {
  const std::string prefix = devicePrefix(site, device);
  const bool own = requested.size() > prefix.size() && requested.substr(0, prefix.size()) == prefix;
  const bool plain = requested.find_first_of(std::string_view("+#\0", 3)) == std::string_view::npos;
  return own && plain ? std::string(requested) : responseTopic(site, device);
}

std::string gatewayClientId(std::string_view node_id) { return join("yard-gw-", node_id); }

}  // namespace yard::mqtt
