#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace yard::config {

// The daemon's configuration (DESIGN §8). Every key has a default, so an empty config runs a
// gateway on the embedded defaults (SQLite, no upstream).
struct Config {
  struct Node {
    std::string id;  // default: "gw-" + host name
    std::string site = "default";
    std::string role = "gateway";  // gateway | hub
    std::string data_dir = "yard-data";
    std::string record_types;  // default: <prefix>/share/yard-gateway/record-types
  } node;
  struct Http {
    std::string host = "127.0.0.1";
    int port = 8080;
    int64_t max_request_bytes = 8 << 20;
    std::string tls_cert, tls_key;
    int max_threads = 256;
    int keepalive_s = 5;
  } http;
  struct Admin {
    std::string token_file;  // default: <data_dir>/admin.token
  } admin;
  struct Storage {
    std::string plugin = "sqlite";
    std::map<std::string, std::string> options;  // every other key: the plugin's own
  } storage;
  struct Upstream {
    std::string transport = "none";  // none | https | mqtt
    std::string url, token_file, ca_file, client_cert, client_key;
    std::string device;  // this node's device id at its upstream; default: [node] id
    int interval_s = 60;
    int timeout_s = 30;
  } upstream;
  struct Mqtt {
    bool enabled = false;
    std::string host = "127.0.0.1";
    int port = 1883;
    std::string username, password_file;
  } mqtt;
  struct Attachments {
    double grace_hours = 24;
    int64_t quota_mb = 10240;
    int64_t max_upload_mb = 64;       // largest single attachment (tus Upload-Length)
    double upload_expiry_hours = 24;  // a partial upload idle this long is deleted
  } attachments;
  struct Plugins {
    std::string dir;  // default: <prefix>/lib/yard-gateway/plugins
  } plugins;
  struct Log {
    std::string level = "info";
  } log;

  bool isHub() const { return node.role == "hub"; }
};

// Loads path (an INI file) and then every *.conf in "<dir of path>/conf.d/", in name order,
// later files overriding earlier ones. An empty path loads only the defaults. Unknown sections
// or keys, and values of the wrong form, are errors naming file, section and key. Relative
// paths in the config are taken relative to the current directory; defaults that depend on
// the install location are taken relative to prefix (the directory above the binary's bin/).
Result<Config> loadConfig(const std::string& path, const std::string& prefix);

// The keys this version understands, "section.key", for --help and the docs.
std::vector<std::string> knownKeys();

}  // namespace yard::config
