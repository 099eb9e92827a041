#pragma once

#include <string>

#include "core/status.h"

namespace yard::auth {

// Reads the admin token file, creating it first (mode 0600, random token, fsync'd) when it does
// not exist. Returns the token's hash; the token itself is not kept in memory.
Result<std::string> loadOrCreateAdminToken(const std::string& path);

// Reads a token file as written by loadOrCreateAdminToken or by an operator (whitespace
// trimmed). Refuses a file readable by group or others.
Result<std::string> readTokenFile(const std::string& path);

}  // namespace yard::auth
