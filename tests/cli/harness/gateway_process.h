#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace yard::clitest {

using Json = nlohmann::json;

// A real yard-gateway from the build tree, run as a child process on a private temp directory
// (config, data dir, log) and a free loopback port ([http] listen = 127.0.0.1:0, the port read
// back from <data_dir>/http.port). start() returns once GET /healthz answers (with TLS: once
// the port file is written), or throws
// std::runtime_error with the daemon's log. The destructor kills the daemon and removes the
// directory (kept when YARD_KEEP_TEST_DIRS is set). One thread drives it.
class GatewayProcess {
 public:
  // extra: "section.key" -> value, added to the config (e.g. "upstream.transport").
  explicit GatewayProcess(std::string node_id = "gw-cli", std::string site = "yard-a",
                          std::map<std::string, std::string> extra = {});
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  void start();
  // SIGTERM and wait for a clean exit; returns the exit code.
  int stop();

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_; }
  std::string dataDir() const { return dir_ + "/data"; }
  std::string configPath() const { return dir_ + "/gateway.conf"; }
  std::string tokenFile() const { return dataDir() + "/admin.token"; }
  std::string adminToken() const;
  std::string log() const;
  std::map<std::string, std::string>& settings() { return settings_; }

 private:
  void writeConfig() const;

  std::map<std::string, std::string> settings_;
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// One finished run of a program: its exit code and what it printed.
struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the yardctl built in the tree with args (no TTY: stdout is a file) and waits for it.
Run yardctl(const std::vector<std::string>& args);

// A minimal HTTP/1.1 client over POCO for phones and admin calls in tests.
struct Reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  Json json() const { return Json::parse(body, nullptr, false); }
};
Reply httpCall(int port, const std::string& method, const std::string& path,
               const std::string& token, const std::string& body = "",
               const std::map<std::string, std::string>& headers = {});

// Phone helpers (docs/protocol.md).
std::string enroll(int port, const std::string& admin_token, const std::string& id,
                   const std::string& site, const std::string& op);
// An inspection write; body gets "status": "open" unless it names a status.
Json createWrite(const std::string& id, const Json& body);
Json editWrite(const Json& record, const Json& body);
// POST /v1/sync as device with writes; returns the answer (throws unless 200).
Json phoneSync(int port, const std::string& device, const std::string& token,
               const std::vector<Json>& writes);
std::string uniqueId(const std::string& prefix);

}  // namespace yard::clitest
