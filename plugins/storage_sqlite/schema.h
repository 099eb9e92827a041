#pragma once

#include "connection.h"
#include "yard/plugin.hpp"

namespace yard::sqlite {

// The name this plugin records in every store it creates, and answers to when loaded.
inline constexpr const char* kPluginName = "sqlite";

// What an existing database says about itself, read before anything is changed in it.
struct StoreIdentity {
  bool empty = true;  // no tables at all: a new file, ours to create
  int format = 0;     // the store format (PRAGMA user_version, mirrored in store_meta)
};

// The store format this build writes (the number of migrations it knows).
int currentFormat();

// Checks the database on conn is one this plugin may use, without modifying it: either empty,
// or a store of this plugin in a format not newer than currentFormat(). Anything else (another
// plugin's store, a newer format, an unrelated SQLite file) is refused with a message that says
// what the file is and what to do.
yard_rc identify(Connection& conn, StoreIdentity& out, yard_error* err);

// Brings the store up to currentFormat(): every pending migration runs, PRAGMA user_version
// and store_meta are updated, all in one IMMEDIATE transaction, so a crash leaves either the
// old format or the new one. Re-identifies inside the transaction, in case another process
// migrated first. created is set when the store was created from nothing.
yard_rc migrate(Connection& conn, const sdk::Host& host, bool& created, yard_error* err);

}  // namespace yard::sqlite
