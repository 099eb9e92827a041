#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "raw_sqlite.h"

namespace yard::bench {

// The durable-insert limit of a PostgreSQL server for given rows, as the postgres storage
// plugin would write them: creates a table shaped like the plugin's records table (id text
// COLLATE "C" PRIMARY KEY, site, type, stamp, seq bigint with a unique index, doc) in the
// database at conninfo, then `connections` clients insert their share of rows concurrently,
// one prepared INSERT per row as the plugin sends them, batch rows per transaction, every
// COMMIT with synchronous_commit = on. Only the inserts are timed. Drops the table afterwards.
// Throws std::runtime_error on any error.
RawInsertResult rawPostgresInsert(const std::string& conninfo, const std::vector<RawRecord>& rows,
                                  size_t batch, size_t connections);

}  // namespace yard::bench
