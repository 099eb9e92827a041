#pragma once

#include <cstddef>

#include "pg_connection.h"
#include "yard/plugin.hpp"

namespace yard::postgres {

// The plugin's [storage] keys, declared in entry.cpp:
//   dsn            a libpq conninfo string or postgresql:// URI (may hold everything below)
//   host, port, dbname, user
//                  override the dsn's; unset keys fall back to libpq's defaults (PGHOST...)
//   password_file  a file holding the password (first line); the password never reaches logs
//   pool_size      connections per hub process, 1..64 (default 8)
struct StoreOptions {
  ConnectParams connect;
  size_t pool_size = 8;
};

// Reads and validates the keys. YARD_INVALID names the bad key.
yard_rc readOptions(const sdk::Host& host, StoreOptions& out, yard_error* err);

// The keys above, NULL-terminated, for the plugin descriptor.
const char* const* configKeys();

}  // namespace yard::postgres
