#pragma once

#include <string>

#include "cli/yardctl/args.h"
#include "core/status.h"

namespace yard::yardctl {

// Where the gateway is and how to prove we are its admin.
struct Target {
  std::string scheme = "http";  // http | https
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string ca_file;  // https: trust this file (the gateway's own certificate), else system CAs
  std::string token_file;
  std::string token;

  std::string url() const;
};

// Splits "http[s]://host[:port][/]" (IPv6 hosts in brackets). Invalid for anything else.
Result<Target> parseUrl(const std::string& url);

// Builds the target from the invocation: the daemon's config (--config, else the installed
// default when it exists) read with the daemon's own loader, then --url and --token-file on
// top. A wildcard listen address (0.0.0.0, ::) is reached on loopback; port 0 (tests) is read
// from <data_dir>/http.port. Errors carry the exit code to use: usage (bad config or URL) or
// auth (token file unreadable).
struct TargetError {
  ExitCode code;
  std::string message;
};
Result<Target> resolveTarget(const Invocation& inv, const std::string& prefix, TargetError& error);

}  // namespace yard::yardctl
