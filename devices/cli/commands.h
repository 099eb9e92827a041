#pragma once

#include <string>

#include "cli/args.h"

namespace yard::device::cli {

// Runs one yard-phone command (args.words()[0]); returns the exit code: 0 done, 1 failed (a
// message on stderr), 2 usage error, 3 the gateway could not be reached (retry later: the
// local state is intact).
int runCommand(Args& args);
int runSimulate(Args& args);

// A secret from --NAME (discouraged: visible in ps), else --NAME-file, else the environment
// variable env. Empty when none is given. Never printed.
Result<std::string> readSecret(Args& args, const std::string& name, const char* env);

// --gateway and --ca-file: where the gateway is, and the CAs to trust when it is https.
struct GatewayAddress {
  std::string url;
  std::string ca_file;
};
GatewayAddress gatewayAddress(Args& args);

extern const char* const kUsage;

}  // namespace yard::device::cli
