#include "harness/daemon_process.h"

#include "harness/https_client.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "harness/http_client.h"

namespace yard::it {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kRunMarker = "----- [it] starting ";

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::string makeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/yard-it-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr)
    throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  return buffer.data();
}

void pause(std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); }

}  // namespace

int exitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

DaemonProcess::DaemonProcess(DaemonConfig config)
    : config_(std::move(config)), dir_(makeTempDir()) {}

DaemonProcess::~DaemonProcess() {
  if (running()) kill9();
  if (std::getenv("YARD_KEEP_TEST_DIRS") != nullptr) {
    std::cerr << "[it] kept test dir " << dir_ << "\n";
    return;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void DaemonProcess::writeConfig() {
  std::map<std::string, std::map<std::string, std::string>> ini;
  ini["node"] = {{"id", config_.node_id},
                 {"site", config_.site},
                 {"role", "gateway"},
                 {"data_dir", dataDir()},
                 {"record_types", YARD_IT_RECORD_TYPES}};
  ini["http"] = {{"listen", "127.0.0.1:0"}};
  ini["admin"] = {{"token_file", dir_ + "/admin.token"}};
  ini["plugins"] = {{"dir", YARD_IT_PLUGIN_DIR}};
  for (const auto& [name, value] : config_.settings) {
    const auto dot = name.find('.');
    if (dot == std::string::npos) throw std::invalid_argument("setting without section: " + name);
    ini[name.substr(0, dot)][name.substr(dot + 1)] = value;
  }
  std::ofstream out(configPath(), std::ios::trunc);
  for (const auto& [section, keys] : ini) {
    out << "[" << section << "]\n";
    for (const auto& [key, value] : keys) out << key << " = " << value << "\n";
    out << "\n";
  }
  out << config_.extra_ini << "\n";
  if (!out) throw std::runtime_error("cannot write " + configPath());
}

void DaemonProcess::spawn() {
  if (running()) throw std::logic_error("the daemon is already running");
  writeConfig();
  // A stale port file from an earlier run must not be mistaken for this run's.
  std::error_code ec;
  fs::remove(dataDir() + "/http.port", ec);
  port_ = 0;
  {
    std::ofstream log(dir_ + "/daemon.log", std::ios::app);
    log << kRunMarker << YARD_IT_DAEMON << " --config " << configPath() << "\n";
  }

  // Everything the child touches is prepared before fork (only async-signal-safe calls after).
  const std::string binary = YARD_IT_DAEMON;
  const std::string config = configPath();
  const std::string log_path = dir_ + "/daemon.log";
  std::vector<char*> argv{const_cast<char*>(binary.c_str()), const_cast<char*>("--config"),
                          const_cast<char*>(config.c_str()), nullptr};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Never outlive the test (a crashed test must not leave daemons behind).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd < 0) ::_exit(127);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::close_range(3, ~0U, 0);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  pid_ = pid;
}

void DaemonProcess::start() {
  spawn();
  waitUntilReady(std::chrono::seconds(20));
}

void DaemonProcess::restart() {
  if (running()) throw std::logic_error("restart(): stop the daemon first");
  start();
}

int DaemonProcess::runUntilExit(std::chrono::milliseconds timeout) {
  spawn();
  if (auto code = waitForExit(timeout)) return *code;
  kill9();
  throw std::runtime_error("the daemon was still running after " + std::to_string(timeout.count()) +
                           " ms; log:\n" + logText());
}

void DaemonProcess::waitUntilReady(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string port_file = dataDir() + "/http.port";
  std::string last_error = "no port file yet";
  while (Clock::now() < deadline) {
    if (auto code = reap(false)) {
      throw std::runtime_error("the daemon exited with " + std::to_string(*code) +
                               " before it was ready; log:\n" + logText());
    }
    if (port_ == 0 && fs::exists(port_file)) {
      const std::string text = trim(readFile(port_file));
      if (!text.empty()) port_ = std::stoi(text);
    }
    if (port_ != 0) {
      try {
        // A TLS listener is probed over TLS; everything else over plain HTTP.
        auto response = config_.settings.count("http.tls_cert")
                            ? httpsRequest(port_, "GET", "/healthz", "")
                            : HttpClient(port_, std::chrono::seconds(2)).get("/healthz");
        if (response.status == 200) {
          admin_token_ = trim(readFile(dir_ + "/admin.token"));
          if (admin_token_.empty()) throw std::runtime_error("the admin token file is empty");
          return;
        }
        last_error = "/healthz answered " + std::to_string(response.status);
      } catch (const std::exception& e) {
        last_error = e.what();
      }
    }
    pause(std::chrono::milliseconds(20));
  }
  const std::string log = logText();
  kill9();
  throw std::runtime_error("the daemon was not ready after " + std::to_string(timeout.count()) +
                           " ms (" + last_error + "); log:\n" + log);
}

std::optional<int> DaemonProcess::reap(bool block) {
  if (!running()) return std::nullopt;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (done != pid_) return std::nullopt;
  pid_ = -1;
  return exitCodeOf(status);
}

void DaemonProcess::kill9() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  (void)reap(true);
}

void DaemonProcess::sendTerminate() {
  if (running()) ::kill(pid_, SIGTERM);
}

std::optional<int> DaemonProcess::waitForExit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto code = reap(false)) return code;
    if (!running() || Clock::now() >= deadline) return std::nullopt;
    pause(std::chrono::milliseconds(10));
  }
}

int DaemonProcess::terminate(std::chrono::milliseconds timeout) {
  if (!running()) throw std::logic_error("terminate(): the daemon is not running");
  sendTerminate();
  if (auto code = waitForExit(timeout)) return *code;
  kill9();
  throw std::runtime_error("the daemon ignored SIGTERM for " + std::to_string(timeout.count()) +
                           " ms; log:\n" + logText());
}

std::string DaemonProcess::logText() const { return readFile(dir_ + "/daemon.log"); }

std::string DaemonProcess::lastRunLog() const {
  const std::string log = logText();
  const auto start = log.rfind(kRunMarker);
  return start == std::string::npos ? log : log.substr(start);
}

}  // namespace yard::it
