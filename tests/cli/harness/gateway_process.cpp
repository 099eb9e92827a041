#include "harness/gateway_process.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/iso_time.h"

extern char** environ;

namespace yard::clitest {
namespace {

namespace fs = std::filesystem;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path,
            const std::string& err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

int waitExit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

GatewayProcess::GatewayProcess(std::string node_id, std::string site,
                               std::map<std::string, std::string> extra) {
  std::string templ = (fs::temp_directory_path() / "yard-cli-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  settings_ = {{"node.id", node_id},
               {"node.site", site},
               {"node.data_dir", dir_ + "/data"},
               {"node.record_types", YARD_CLI_RECORD_TYPES},
               {"http.listen", "127.0.0.1:0"},
               {"plugins.dir", YARD_CLI_PLUGIN_DIR},
               {"storage.plugin", "sqlite"}};
  for (auto& [k, v] : extra) settings_[k] = v;
}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitExit(pid_);
  }
  if (std::getenv("YARD_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

void GatewayProcess::writeConfig() const {
  std::map<std::string, std::map<std::string, std::string>> sections;
  for (const auto& [key, value] : settings_) {
    const auto dot = key.find('.');
    sections[key.substr(0, dot)][key.substr(dot + 1)] = value;
  }
  std::ofstream out(configPath());
  for (const auto& [section, keys] : sections) {
    out << "[" << section << "]\n";
    for (const auto& [k, v] : keys) out << k << " = " << v << "\n";
  }
}

void GatewayProcess::start() {
  writeConfig();
  std::error_code ec;
  fs::remove(dataDir() + "/http.port", ec);
  pid_ = spawn({YARD_CLI_DAEMON, "--config", configPath()}, dir_ + "/daemon.log",
               dir_ + "/daemon.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("yard-gateway exited at start:\n" + log());
    }
    std::ifstream in(dataDir() + "/http.port");
    // The port file is written once the listener is up; with TLS that is all we check here.
    if (in >> port_ && port_ > 0 && settings_.count("http.tls_cert")) return;
    if (port_ > 0) {
      try {
        if (httpCall(port_, "GET", "/healthz", "").status == 200) return;
      } catch (const std::exception&) {
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("yard-gateway did not become ready:\n" + log());
}

int GatewayProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const int code = waitExit(pid_);
  pid_ = -1;
  return code;
}

std::string GatewayProcess::adminToken() const {
  std::string token = readFile(tokenFile());
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  return token;
}

std::string GatewayProcess::log() const { return readFile(dir_ + "/daemon.log"); }

Run yardctl(const std::vector<std::string>& args) {
  static std::atomic<int> serial{0};
  const std::string base =
      (fs::temp_directory_path() /
       ("yardctl-run-" + std::to_string(::getpid()) + "-" + std::to_string(++serial)))
          .string();
  std::vector<std::string> argv{YARD_CLI_YARDCTL};
  argv.insert(argv.end(), args.begin(), args.end());
  Run run;
  run.exit_code = waitExit(spawn(argv, base + ".out", base + ".err"));
  run.out = readFile(base + ".out");
  run.err = readFile(base + ".err");
  std::error_code ec;
  fs::remove(base + ".out", ec);
  fs::remove(base + ".err", ec);
  return run;
}

Reply httpCall(int port, const std::string& method, const std::string& path,
               const std::string& token, const std::string& body,
               const std::map<std::string, std::string>& headers) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token.empty()) request.set("Authorization", "Bearer " + token);
  for (const auto& [k, v] : headers) request.set(k, v);
  if (!body.empty()) request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Reply reply;
  reply.status = static_cast<int>(response.getStatus());
  Poco::StreamCopier::copyToString(in, reply.body);
  for (const auto& [k, v] : response) reply.headers[k] = v;
  return reply;
}

std::string uniqueId(const std::string& prefix) {
  static std::atomic<int> serial{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++serial);
}

std::string enroll(int port, const std::string& admin_token, const std::string& id,
                   const std::string& site, const std::string& op) {
  const Json body{{"id", id}, {"site", site}, {"operator", op}};
  auto reply = httpCall(port, "POST", "/v1/admin/devices", admin_token, body.dump());
  if (reply.status != 201) throw std::runtime_error("enrol failed: " + reply.body);
  return reply.json().at("token");
}

Json createWrite(const std::string& id, const Json& body) {
  Json full = body;
  if (!full.contains("status")) full["status"] = "open";  // the inspection workflow's first state
  return Json{{"write_id", uniqueId("w")},
              {"id", id},
              {"type", "inspection"},
              {"base", nullptr},
              {"deleted", false},
              {"body", full},
              {"attachments", Json::array()},
              {"client_time", core::isoUtcNow()}};
}

Json editWrite(const Json& record, const Json& body) {
  Json w = createWrite(record.at("id"), body);
  w["base"] = record.at("stamp");
  return w;
}

Json phoneSync(int port, const std::string& device, const std::string& token,
               const std::vector<Json>& writes) {
  const Json request{
      {"device", device}, {"cursor", nullptr}, {"writes", writes}, {"inbox_ack", Json::array()}};
  auto reply = httpCall(port, "POST", "/v1/sync", token, request.dump());
  if (reply.status != 200) throw std::runtime_error("sync failed: " + reply.body);
  return reply.json();
}

}  // namespace yard::clitest
