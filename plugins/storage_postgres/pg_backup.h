#pragma once

#include "pg_connection.h"
#include "yard/plugin.hpp"

namespace yard::postgres {

// Copies every table of the store src is connected to into the database at target, in one
// REPEATABLE READ snapshot of src (writers carry on) and one transaction on target (which
// holds either its old contents or the whole new copy). target must be empty or a store of
// this plugin; it is created or migrated first, then its tables are replaced. src must be
// idle (not inside a transaction).
yard_rc backupTo(PgConnection& src, const ConnectParams& target, const sdk::Host& host,
                 yard_error* err);

// Writes a consistent copy of the store src is connected to into the file at path (what the
// admin API's backup download asks for): a plain SQL script, the schema and every table's rows
// as COPY data, that psql restores into an empty database
// (psql -v ON_ERROR_STOP=1 -1 -d NEWDB -f FILE). One REPEATABLE READ snapshot; written to a
// temp file next to path (mode 0600: it holds token hashes), fsync'd, renamed over path.
yard_rc backupToFile(PgConnection& src, const std::string& path, const sdk::Host& host,
                     yard_error* err);

}  // namespace yard::postgres
