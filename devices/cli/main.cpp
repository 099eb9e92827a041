// yard-phone: the phone client library from the command line (docs/devices.md).

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace yard::device::cli;
  std::vector<std::string> words(argv + 1, argv + argc);
  auto args = Args::parse(words, {"help", "version", "json", "ack-all"});
  if (!args.isOk()) {
    std::fprintf(stderr, "yard-phone: %s\n%s", args.status().message().c_str(), kUsage);
    return 2;
  }
  if (args->flag("version")) {
    std::printf("yard-phone %s\n", YARD_VERSION);
    return 0;
  }
  if (args->flag("help") || args->words().empty()) {
    std::fputs(kUsage, args->words().empty() && !args->flag("help") ? stderr : stdout);
    return args->flag("help") ? 0 : 2;
  }
  if (args->words()[0] == "simulate") return runSimulate(*args);
  return runCommand(*args);
}
