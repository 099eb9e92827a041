#include "config/config.h"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Util/IniFileConfiguration.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <functional>

#include "core/record.h"

namespace yard::config {
namespace {

namespace fs = std::filesystem;
using Setter = std::function<Status(Config&, const std::string&)>;

Status parseInt(const std::string& text, int64_t min, int64_t max, int64_t& out) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max)
    return Status::invalid("must be a whole number from " + std::to_string(min) + " to " +
                           std::to_string(max));
  out = v;
  return Status::ok();
}

template <typename T>
Setter intKey(T Config::*section, auto member, int64_t min, int64_t max) {
  return [=](Config& c, const std::string& v) {
    int64_t out = 0;
    if (Status s = parseInt(v, min, max, out); !s.isOk()) return s;
    (c.*section).*member = static_cast<std::decay_t<decltype((c.*section).*member)>>(out);
    return Status::ok();
  };
}

template <typename T>
Setter textKey(T Config::*section, std::string T::*member) {
  return [=](Config& c, const std::string& v) {
    (c.*section).*member = v;
    return Status::ok();
  };
}

template <typename T>
Setter choiceKey(T Config::*section, std::string T::*member, std::vector<std::string> choices) {
  return [=](Config& c, const std::string& v) {
    if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
      std::string list;
      for (const auto& ch : choices) list += (list.empty() ? "" : ", ") + ch;
      return Status::invalid("must be one of: " + list);
    }
    (c.*section).*member = v;
    return Status::ok();
  };
}

Setter idKey(std::string Config::Node::*member) {
  return [=](Config& c, const std::string& v) {
    if (!core::isValidId(v))
      return Status::invalid("must be 1-128 characters of A-Z a-z 0-9 . _ : @ -");
    c.node.*member = v;
    return Status::ok();
  };
}

// A duration in hours, fractions allowed (0.25 = 15 minutes), at most a year.
Setter hoursKey(double Config::Attachments::*member) {
  return [=](Config& c, const std::string& v) {
    try {
      size_t used = 0;
      double h = std::stod(v, &used);
      if (used != v.size() || !(h >= 0) || h > 24 * 365) throw std::invalid_argument(v);
      c.attachments.*member = h;
      return Status::ok();
    } catch (const std::exception&) {
      return Status::invalid("must be a number of hours from 0 to 8760 (fractions allowed)");
    }
  };
}

Status parseListen(Config& c, const std::string& v) {
  // host:port, [v6]:port
  const auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) return Status::invalid("must be host:port");
  std::string host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int64_t port = 0;
  if (Status s = parseInt(v.substr(colon + 1), 0, 65535, port); !s.isOk())
    return Status::invalid("port " + s.message());
  c.http.host = host;
  c.http.port = static_cast<int>(port);
  return Status::ok();
}

Status parseBool(const std::string& v, bool& out) {
  if (v == "true" || v == "yes" || v == "on" || v == "1") return out = true, Status::ok();
  if (v == "false" || v == "no" || v == "off" || v == "0") return out = false, Status::ok();
  return Status::invalid("must be true or false");
}

const std::map<std::string, Setter>& schema() {
  using C = Config;
  static const std::map<std::string, Setter> keys = {
      {"node.id", idKey(&C::Node::id)},
      {"node.site", idKey(&C::Node::site)},
      {"node.role", choiceKey(&C::node, &C::Node::role, {"gateway", "hub"})},
      {"node.data_dir", textKey(&C::node, &C::Node::data_dir)},
      {"node.record_types", textKey(&C::node, &C::Node::record_types)},
      {"http.listen", parseListen},
      {"http.max_request_bytes",
       intKey(&C::http, &C::Http::max_request_bytes, 1024, int64_t{1} << 30)},
      {"http.tls_cert", textKey(&C::http, &C::Http::tls_cert)},
      {"http.tls_key", textKey(&C::http, &C::Http::tls_key)},
      {"http.max_threads", intKey(&C::http, &C::Http::max_threads, 2, 4096)},
      {"http.keepalive_s", intKey(&C::http, &C::Http::keepalive_s, 1, 3600)},
      {"admin.token_file", textKey(&C::admin, &C::Admin::token_file)},
      {"storage.plugin", textKey(&C::storage, &C::Storage::plugin)},
      {"upstream.transport",
       choiceKey(&C::upstream, &C::Upstream::transport, {"none", "https", "mqtt"})},
      {"upstream.url", textKey(&C::upstream, &C::Upstream::url)},
      {"upstream.token_file", textKey(&C::upstream, &C::Upstream::token_file)},
      {"upstream.interval_s", intKey(&C::upstream, &C::Upstream::interval_s, 1, 86400)},
      {"upstream.timeout_s", intKey(&C::upstream, &C::Upstream::timeout_s, 1, 600)},
      {"upstream.device", textKey(&C::upstream, &C::Upstream::device)},
      {"upstream.ca_file", textKey(&C::upstream, &C::Upstream::ca_file)},
      {"upstream.client_cert", textKey(&C::upstream, &C::Upstream::client_cert)},
      {"upstream.client_key", textKey(&C::upstream, &C::Upstream::client_key)},
      {"mqtt.enabled", [](C& c, const std::string& v) { return parseBool(v, c.mqtt.enabled); }},
      {"mqtt.host", textKey(&C::mqtt, &C::Mqtt::host)},
      {"mqtt.port", intKey(&C::mqtt, &C::Mqtt::port, 1, 65535)},
      {"mqtt.username", textKey(&C::mqtt, &C::Mqtt::username)},
      {"mqtt.password_file", textKey(&C::mqtt, &C::Mqtt::password_file)},
      {"attachments.grace_hours", hoursKey(&C::Attachments::grace_hours)},
      {"attachments.quota_mb",
       intKey(&C::attachments, &C::Attachments::quota_mb, 1, int64_t{1} << 30)},
      {"attachments.max_upload_mb",
       intKey(&C::attachments, &C::Attachments::max_upload_mb, 1, int64_t{1} << 20)},
      {"attachments.upload_expiry_hours", hoursKey(&C::Attachments::upload_expiry_hours)},
      {"plugins.dir", textKey(&C::plugins, &C::Plugins::dir)},
      {"log.level", choiceKey(&C::log, &C::Log::level, {"debug", "info", "warn", "error"})},
  };
  return keys;
}

Status applyFile(Config& config, const std::string& path) {
  Poco::AutoPtr<Poco::Util::IniFileConfiguration> ini;
  try {
    ini = new Poco::Util::IniFileConfiguration(path);
  } catch (const Poco::Exception& e) {
    return Status::invalid(path + ": cannot read: " + e.displayText());
  }
  Poco::Util::AbstractConfiguration::Keys sections;
  ini->keys(sections);
  for (const auto& section : sections) {
    Poco::Util::AbstractConfiguration::Keys keys;
    ini->keys(section, keys);
    if (keys.empty())
      return Status::invalid(path + ": '" + section + "' is not inside a [section]");
    for (const auto& key : keys) {
      const std::string name = section + "." + key;
      const std::string value = ini->getRawString(name);
      if (section == "storage" && key != "plugin") {
        config.storage.options[key] = value;  // checked against the plugin's declared keys
        continue;
      }
      auto it = schema().find(name);
      if (it == schema().end())
        return Status::invalid(path + ": unknown key [" + section + "] " + key);
      if (Status s = it->second(config, value); !s.isOk())
        return Status::invalid(path + ": [" + section + "] " + key + " " + s.message());
    }
  }
  return Status::ok();
}

std::string defaultNodeId() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  std::string id = "gw-";
  for (const char* p = host; *p; ++p) id += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '-';
  return core::isValidId(id) ? id : "gw-local";
}

}  // namespace

Result<Config> loadConfig(const std::string& path, const std::string& prefix) {
  Config config;
  if (!path.empty()) {
    if (!fs::is_regular_file(path)) return Status::invalid(path + ": no such config file");
    if (Status s = applyFile(config, path); !s.isOk()) return s;
    const fs::path dropins = fs::path(path).parent_path() / "conf.d";
    if (fs::is_directory(dropins)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(dropins))
        if (entry.path().extension() == ".conf") files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files)
        if (Status s = applyFile(config, f.string()); !s.isOk()) return s;
    }
  }
  if (config.node.id.empty()) config.node.id = defaultNodeId();
  if (config.node.record_types.empty())
    config.node.record_types = prefix + "/share/yard-gateway/record-types";
  if (config.plugins.dir.empty()) config.plugins.dir = prefix + "/lib/yard-gateway/plugins";
  if (config.upstream.device.empty()) config.upstream.device = config.node.id;
  if (config.admin.token_file.empty())
    config.admin.token_file = config.node.data_dir + "/admin.token";
  if (config.http.tls_cert.empty() != config.http.tls_key.empty())
    return Status::invalid("[http] tls_cert and tls_key must be set together");
  if (config.upstream.transport != "none" && config.upstream.url.empty())
    return Status::invalid("[upstream] url is required when transport is " +
                           config.upstream.transport);
  return config;
}

std::vector<std::string> knownKeys() {
  std::vector<std::string> out;
  for (const auto& [key, setter] : schema()) out.push_back(key);
  out.push_back("storage.<plugin key>");
  return out;
}

}  // namespace yard::config
