#include "cli/yardctl/target.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "config/config.h"

namespace yard::yardctl {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultConfig = "/etc/yard-gateway/gateway.conf";

std::string trimmed(std::string text) {
  const char* space = " \t\r\n";
  text.erase(0, text.find_first_not_of(space));
  text.erase(text.find_last_not_of(space) + 1);
  return text;
}

}  // namespace

std::string Target::url() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Target> parseUrl(const std::string& url) {
  Target t;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    t.scheme = "http";
    t.port = 80;
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    t.scheme = "https";
    t.port = 443;
    rest = url.substr(8);
  } else {
    return Status::invalid("--url must start with http:// or https://: " + url);
  }
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    if (rest.substr(slash) != "/")
      return Status::invalid("--url is the gateway's address only, without a path: " + url);
    rest.resize(slash);
  }
  std::string port_text;
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) return Status::invalid("--url has an unclosed [: " + url);
    t.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return Status::invalid("--url is not host:port: " + url);
      port_text = rest.substr(close + 2);
    }
  } else if (auto colon = rest.find(':'); colon != std::string::npos) {
    t.host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
  } else {
    t.host = rest;
  }
  if (t.host.empty()) return Status::invalid("--url has no host: " + url);
  if (!port_text.empty()) {
    try {
      size_t used = 0;
      int port = std::stoi(port_text, &used);
      if (used != port_text.size() || port < 1 || port > 65535) throw std::out_of_range(port_text);
      t.port = port;
    } catch (const std::exception&) {
      return Status::invalid("--url has a bad port: " + url);
    }
  }
  return t;
}

Result<Target> resolveTarget(const Invocation& inv, const std::string& prefix, TargetError& error) {
  auto usage = [&](const std::string& message) {
    error = {kExitUsage, message};
    return Status::invalid(message);
  };
  std::string config_path = inv.config;
  if (config_path.empty() && inv.url.empty() && fs::exists(kDefaultConfig))
    config_path = kDefaultConfig;
  if (config_path.empty() && (inv.url.empty() || inv.token_file.empty()))
    return usage("give --config FILE (the gateway's config), or both --url and --token-file");

  Target target;
  if (!config_path.empty()) {
    auto config = config::loadConfig(config_path, prefix);
    if (!config.isOk()) return usage("the config is not usable: " + config.status().message());
    const auto& c = config.value();
    target.host = c.http.host;
    if (target.host == "0.0.0.0" || target.host.empty()) target.host = "127.0.0.1";
    if (target.host == "::" || target.host == "[::]") target.host = "::1";
    target.port = c.http.port;
    if (target.port == 0) {
      // Port 0 asks the kernel for any free port; the daemon writes the one it got.
      std::ifstream in(c.node.data_dir + "/http.port");
      if (!(in >> target.port) || target.port <= 0)
        return usage("[http] listen has port 0 and " + c.node.data_dir +
                     "/http.port is missing: is the gateway running?");
    }
    if (!c.http.tls_cert.empty()) {
      target.scheme = "https";
      target.ca_file = c.http.tls_cert;
    }
    target.token_file = c.admin.token_file;
  }
  if (!inv.url.empty()) {
    auto parsed = parseUrl(inv.url);
    if (!parsed.isOk()) return usage(parsed.status().message());
    target.scheme = parsed->scheme;
    target.host = parsed->host;
    target.port = parsed->port;
    if (target.scheme == "http") target.ca_file.clear();
  }
  if (!inv.token_file.empty()) target.token_file = inv.token_file;

  std::ifstream in(target.token_file);
  if (!in) {
    const std::string why = std::strerror(errno);
    error = {kExitAuth, "cannot read the admin token file " + target.token_file + ": " + why +
                            (errno == EACCES ? " (run as the gateway's user or root)" : "")};
    return Status::invalid(error.message);
  }
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  target.token = trimmed(token);
  if (target.token.empty()) {
    error = {kExitAuth, "the admin token file " + target.token_file + " is empty"};
    return Status::invalid(error.message);
  }
  return target;
}

}  // namespace yard::yardctl
