#pragma once

#include <ostream>

#include "cli/yardctl/args.h"
#include "cli/yardctl/client.h"

namespace yard::yardctl {

// Where a command prints: results to out, errors (in plain words) to err. tty: out is a
// terminal (sync then redraws one progress line instead of printing a line per change).
struct Io {
  std::ostream& out;
  std::ostream& err;
  bool tty = false;
};

// Runs the parsed command against the gateway and returns the exit code (args.h).
int runCommand(const Invocation& inv, GatewayClient& client, Io io);

// yardctl sync: starts an upstream round and follows the backlog until it is drained.
int runSync(const Invocation& inv, GatewayClient& client, Io io);

// yardctl backup FILE: streams GET /v1/admin/backup into FILE atomically (temp file in FILE's
// directory, fsync, rename, fsync of the directory), so FILE is never half written.
int runBackup(const Invocation& inv, GatewayClient& client, Io io);

// Prints error to io.err as "yardctl: <message>" and returns its exit code.
int reportError(const CallError& error, Io io);

}  // namespace yard::yardctl
