#pragma once

#include <string>

#include "pg_connection.h"
#include "yard/plugin.hpp"

namespace yard::postgres {

// The name this plugin records in every store it creates, and answers to when loaded.
inline constexpr const char* kPluginName = "postgres";

// What an existing database says about itself, read before anything is changed in it.
struct StoreIdentity {
  bool empty = true;  // no tables in the schema at all: ours to create
  int format = 0;     // the store format (store_meta 'format')
};

// The store format this build writes (the number of migrations it knows).
int currentFormat();

// Checks the database on conn is one this plugin may use, without modifying it: an empty
// schema, or a store of this plugin in a format not newer than currentFormat().
yard_rc identify(PgConnection& conn, StoreIdentity& out, yard_error* err);

// Brings the store up to currentFormat() in one transaction under an advisory lock, so hub
// processes starting together migrate once: the others wait, re-identify and find nothing to
// do. Every applied migration is recorded in schema_migrations. created is set when the store
// was created from nothing.
yard_rc migrate(PgConnection& conn, const sdk::Host& host, bool& created, yard_error* err);

// SQL that creates an empty store of currentFormat() in an empty database, identity included:
// the head of a file backup (see pg_backup.h).
std::string creationScript(int64_t now_ms);

}  // namespace yard::postgres
