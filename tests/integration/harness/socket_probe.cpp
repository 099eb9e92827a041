#include "harness/socket_probe.h"

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace yard::it {
namespace {

struct Queues {
  bool found = false;
  unsigned long tx = 0;
  unsigned long rx = 0;
};

// The queues of the IPv4 socket whose local and remote ports are these.
Queues queuesOf(int local_port, int remote_port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    if (!(fields >> slot >> local >> remote >> state >> queues)) continue;
    const auto port_of = [](const std::string& address) {
      const auto colon = address.find(':');
      return colon == std::string::npos ? -1 : std::stoi(address.substr(colon + 1), nullptr, 16);
    };
    if (port_of(local) != local_port || port_of(remote) != remote_port) continue;
    const auto colon = queues.find(':');
    if (colon == std::string::npos) continue;
    return Queues{true, std::stoul(queues.substr(0, colon), nullptr, 16),
                  std::stoul(queues.substr(colon + 1), nullptr, 16)};
  }
  return Queues{};
}

}  // namespace

bool waitUntilServerHasRead(int client_port, int server_port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const Queues client = queuesOf(client_port, server_port);
    const Queues server = queuesOf(server_port, client_port);
    if (client.found && server.found && client.tx == 0 && server.rx == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace yard::it
