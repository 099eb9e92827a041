#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/config.h"

namespace fs = std::filesystem;
using yard::config::loadConfig;

namespace {

// A scratch directory holding one config file (and optionally conf.d/).
struct ConfigDir {
  ConfigDir() {
    char pattern[] = "/tmp/yard-config-XXXXXX";
    dir = mkdtemp(pattern);
  }
  ~ConfigDir() { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) {
    fs::create_directories(fs::path(dir / name).parent_path());
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  fs::path dir;
};

}  // namespace

TEST_CASE("no config file: every key has its default") {
  auto c = loadConfig("", "/opt/yard");
  REQUIRE(c.isOk());
  CHECK(c->node.role == "gateway");
  CHECK(c->storage.plugin == "sqlite");
  CHECK(c->upstream.transport == "none");
  CHECK(c->http.host == "127.0.0.1");
  CHECK(c->http.port == 8080);
  CHECK(c->http.max_request_bytes == 8 * 1024 * 1024);
  CHECK(c->attachments.grace_hours == 24);
  CHECK(c->plugins.dir == "/opt/yard/lib/yard-gateway/plugins");
  CHECK(c->node.record_types == "/opt/yard/share/yard-gateway/record-types");
  CHECK(c->admin.token_file == c->node.data_dir + "/admin.token");
  CHECK(c->node.id.rfind("gw-", 0) == 0);
}

TEST_CASE("a full config is read") {
  ConfigDir d;
  auto path = d.write("gateway.conf",
                      "[node]\nid = gw-laredo-1\nsite = laredo\nrole = hub\ndata_dir = /var/x\n"
                      "[http]\nlisten = [::1]:9443\nmax_request_bytes = 65536\n"
                      "[storage]\nplugin = sqlite\ndsn = /var/x/db.sqlite\n"
                      "[upstream]\ntransport = https\nurl = https://hub.example/\n"
                      "interval_s = 30\n[mqtt]\nenabled = yes\nport = 1884\n"
                      "[attachments]\ngrace_hours = 0.5\nquota_mb = 2048\n");
  auto c = loadConfig(path, "/usr");
  REQUIRE(c.isOk());
  CHECK(c->node.id == "gw-laredo-1");
  CHECK(c->isHub());
  CHECK(c->http.host == "::1");
  CHECK(c->http.port == 9443);
  CHECK(c->http.max_request_bytes == 65536);
  CHECK(c->storage.options.at("dsn") == "/var/x/db.sqlite");
  CHECK(c->upstream.interval_s == 30);
  CHECK(c->mqtt.enabled);
  CHECK(c->mqtt.port == 1884);
  CHECK(c->attachments.grace_hours == 0.5);
  CHECK(c->attachments.quota_mb == 2048);
}

TEST_CASE("conf.d files override the main file in name order") {
  ConfigDir d;
  auto path = d.write("gateway.conf", "[node]\nsite = a\n");
  d.write("conf.d/20-site.conf", "[node]\nsite = c\n");
  d.write("conf.d/10-site.conf", "[node]\nsite = b\n");
  d.write("conf.d/ignored.txt", "[node]\nsite = z\n");
  auto c = loadConfig(path, "/usr");
  REQUIRE(c.isOk());
  CHECK(c->node.site == "c");
}

TEST_CASE("bad keys and values stop start-up with a message naming them") {
  struct Case {
    const char* text;
    const char* mentions;
  };
  for (const Case& bad : std::vector<Case>{
           {"[node]\nidd = x\n", "idd"},
           {"[nodes]\nid = x\n", "nodes"},
           {"[node]\nrole = master\n", "role"},
           {"[node]\nid = gw/../x\n", "id"},
           {"[http]\nlisten = 8080\n", "listen"},
           {"[http]\nlisten = 127.0.0.1:70000\n", "listen"},
           {"[http]\nmax_request_bytes = lots\n", "max_request_bytes"},
           {"[http]\ntls_cert = /x.pem\n", "tls_key"},
           {"[upstream]\ntransport = carrier-pigeon\n", "transport"},
           {"[upstream]\ntransport = https\n", "url"},
           {"[mqtt]\nenabled = maybe\n", "enabled"},
           {"[attachments]\ngrace_hours = -1\n", "grace_hours"},
           {"[attachments]\ngrace_hours = 1h\n", "grace_hours"},
           {"stray = 1\n", "stray"},
       }) {
    ConfigDir d;
    auto c = loadConfig(d.write("gateway.conf", bad.text), "/usr");
    INFO(bad.text);
    REQUIRE_FALSE(c.isOk());
    CHECK(c.status().message().find(bad.mentions) != std::string::npos);
  }
}

TEST_CASE("a missing config file is an error, not the defaults") {
  auto c = loadConfig("/nonexistent/gateway.conf", "/usr");
  REQUIRE_FALSE(c.isOk());
  CHECK(c.status().message().find("/nonexistent/gateway.conf") != std::string::npos);
}
