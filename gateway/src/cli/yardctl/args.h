#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace yard::yardctl {

// What yardctl exits with (docs/yardctl.md). Scripts can tell "the gateway is down" from "the
// token is wrong" from "the gateway said no".
enum ExitCode : int {
  kExitOk = 0,
  kExitNotDone = 1,      // the command ran, the answer is bad: check failed, sync not drained
  kExitUsage = 2,        // bad arguments or config
  kExitUnreachable = 3,  // no gateway answers at the address
  kExitAuth = 4,         // the token file is unreadable, or the gateway refused the token
  kExitRefused = 5,      // the gateway refused the request (unknown id, conflict, bad input)
  kExitFailed = 6,       // the gateway failed (5xx), or writing a local file failed
};

// One parsed command line. Options may come before or after the command words.
struct Invocation {
  std::vector<std::string> words;  // command, sub-command and positional arguments
  std::string config;              // --config FILE
  std::string url;                 // --url URL
  std::string token_file;          // --token-file FILE
  bool json = false;               // --json
  std::optional<int> timeout_s;    // --timeout S
  std::string site;                // devices add --site S
  std::string operator_id;         // devices add --operator O
  bool node = false;               // devices add --node
  int limit = 100;                 // conflicts list --limit N
  bool help = false;
  bool version = false;

  // The command as one name, e.g. "devices add", "status".
  std::string command() const;
};

// Parses argv (without the program name). Invalid: an unknown option, a missing value, a
// command that does not exist or has the wrong number of arguments; the message says which.
Result<Invocation> parseArgs(const std::vector<std::string>& argv);

// The usage text for --help.
std::string usageText();

}  // namespace yard::yardctl
