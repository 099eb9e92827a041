#include "harness/mosquitto_broker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace yard::mqtt_test {
namespace {

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("no free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string authPluginPath() { return YARD_MQTT_AUTH_PLUGIN; }

MosquittoBroker::MosquittoBroker() {
  char tmpl[] = "/tmp/yard-mosquitto-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  port_ = freeLoopbackPort();
}

MosquittoBroker::~MosquittoBroker() {
  kill9();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void MosquittoBroker::start(BrokerConfig config) {
  config_ = std::move(config);
  {
    std::ofstream conf(dir_ + "/mosquitto.conf");
    // Started as root, mosquitto would drop to user "mosquitto", which cannot read the test's
    // private directories: stay the user running the test.
    const passwd* me = ::getpwuid(::getuid());
    conf << "user " << (me ? me->pw_name : "root") << "\n"
         << "per_listener_settings false\n"
         << "allow_anonymous false\n"
         << "persistence false\n"
         << "set_tcp_nodelay true\n"
         << "log_dest file " << dir_ << "/mosquitto.log\n"
         << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
         << "listener " << port_ << " 127.0.0.1\n"
         << "plugin " << authPluginPath() << "\n"
         << "plugin_opt_database " << config_.database << "\n"
         << "plugin_opt_site " << config_.site << "\n"
         << "plugin_opt_gateway_username " << config_.gateway_username << "\n"
         << "plugin_opt_gateway_password_file " << config_.gateway_password_file << "\n";
    if (!config_.tls_cert.empty()) {
      if (tls_port_ == 0) tls_port_ = freeLoopbackPort();
      conf << "listener " << tls_port_ << " 127.0.0.1\n"
           << "certfile " << config_.tls_cert << "\n"
           << "keyfile " << config_.tls_key << "\n";
    }
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    // A test that dies without running destructors must not leave a broker behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const std::string conf = dir_ + "/mosquitto.conf";
    // Its start-up chatter goes to its log, not into the test's output.
    const int out = ::open((dir_ + "/mosquitto.out").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execl("/usr/sbin/mosquitto", "mosquitto", "-c", conf.c_str(), nullptr);
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (accepts(port_)) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("mosquitto exited at start:\n" + logText());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("mosquitto did not open its port:\n" + logText());
}

void MosquittoBroker::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string MosquittoBroker::logText() const {
  std::stringstream out;
  for (const char* name : {"/mosquitto.out", "/mosquitto.log"}) {
    std::ifstream in(dir_ + name);
    out << in.rdbuf();
  }
  return out.str();
}

}  // namespace yard::mqtt_test
