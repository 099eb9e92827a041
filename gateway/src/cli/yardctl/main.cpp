// yardctl: operates a running yard-gateway through its admin API (DESIGN §8, docs/yardctl.md).
#include <Poco/Net/SSLManager.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "cli/yardctl/commands.h"
#include "cli/yardctl/target.h"

namespace {

// The directory above this binary's bin/, where the daemon's loader finds its defaults.
std::string installPrefix() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return ".";
  return exe.parent_path().parent_path().string();
}

int run(int argc, char** argv) {
  using namespace yard::yardctl;
  auto inv = parseArgs(std::vector<std::string>(argv + 1, argv + argc));
  if (!inv.isOk()) {
    std::cerr << "yardctl: " << inv.status().message() << "\n";
    return kExitUsage;
  }
  if (inv->help) {
    std::cout << usageText();
    return kExitOk;
  }
  if (inv->version) {
    std::cout << "yardctl " << YARD_VERSION << "\n";
    return kExitOk;
  }
  TargetError target_error{kExitUsage, ""};
  auto target = resolveTarget(inv.value(), installPrefix(), target_error);
  if (!target.isOk()) {
    std::cerr << "yardctl: " << target_error.message << "\n";
    return target_error.code;
  }
  // sync's --timeout is how long to wait for the backlog; each request still gets 30 s. A backup
  // is written whole by the gateway before the first byte is sent.
  const std::string command = inv->command();
  int request_timeout_s = command == "backup" ? 600 : 30;
  if (inv->timeout_s && command != "sync") request_timeout_s = *inv->timeout_s;
  GatewayClient client(target.value(), request_timeout_s);
  return runCommand(inv.value(), client, Io{std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1});
}

}  // namespace

int main(int argc, char** argv) {
  Poco::Net::initializeSSL();
  const int code = run(argc, argv);
  Poco::Net::uninitializeSSL();
  return code;
}
