#include "mqtt_rules.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

namespace yard::transport_mqtt {

std::optional<BrokerAddress> parseBrokerUrl(std::string_view url, std::string& why) {
  BrokerAddress out;
  std::string_view rest;
  if (url.substr(0, 7) == "mqtt://") {
    rest = url.substr(7);
    out.port = 1883;
  } else if (url.substr(0, 8) == "mqtts://") {
    rest = url.substr(8);
    out.port = 8883;
    out.tls = true;
  } else {
    why = "url must start with mqtt:// or mqtts://";
    return std::nullopt;
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']', colon) == std::string_view::npos) {
    const std::string_view port = rest.substr(colon + 1);
    int value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      why = "url has a bad port";
      return std::nullopt;
    }
    out.port = value;
    rest = rest.substr(0, colon);
  }
  if (rest.size() > 2 && rest.front() == '[' && rest.back() == ']')
    rest = rest.substr(1, rest.size() - 2);
  if (rest.empty() || rest.find_first_of("/?#@") != std::string_view::npos) {
    why = "url must be mqtt[s]://host[:port] (no path, no credentials: those go in files)";
    return std::nullopt;
  }
  out.host = std::string(rest);
  return out;
}

std::string nodePrefix(std::string_view site, std::string_view device) {
  return "yard/v1/" + std::string(site) + "/node/" + std::string(device) + "/";
}

std::string nodeClientId(std::string_view device) { return "yard-node-" + std::string(device); }

yard_rc classifyConnack(int code) {
  switch (code) {
    case 0:
      return YARD_OK;
    case 3:     // 3.1.1: server unavailable
    case 0x80:  // unspecified error
    case 0x88:  // server unavailable
    case 0x89:  // server busy
    case 0x97:  // quota exceeded
    case 0x9F:  // connection rate exceeded
      return YARD_RETRY;
    default:  // bad credentials, not authorized, banned, protocol or client id refused
      return YARD_PERMANENT;
  }
}

std::optional<yard_rc> classifyAnswer(std::string_view payload, std::string& message) {
  auto json = nlohmann::json::parse(payload, nullptr, false);
  if (!json.is_object()) {
    message = "upstream answered something that is not JSON";
    return YARD_RETRY;
  }
  auto error = json.find("error");
  if (error == json.end()) return std::nullopt;
  const std::string code = error->is_string() ? error->get<std::string>() : "error";
  message = "upstream answered " + code;
  if (auto m = json.find("message"); m != json.end() && m->is_string())
    message += ": " + m->get<std::string>();
  return code == "unavailable" || code == "internal" ? YARD_RETRY : YARD_PERMANENT;
}

int64_t reconnectDelayMs(int attempt, double u, int64_t base_ms, int64_t cap_ms) {
  int64_t window = base_ms;
  for (int i = 1; i < attempt && window < cap_ms; ++i) window *= 2;
  window = std::min(window, cap_ms);
  return std::max<int64_t>(1, static_cast<int64_t>(u * static_cast<double>(window)));
}

}  // namespace yard::transport_mqtt
