#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace yard::bench {

// One row of the reference table: the columns of the sqlite storage plugin's records table.
struct RawRecord {
  std::string id, site, type, stamp, doc;
};

struct RawInsertResult {
  size_t rows = 0;
  double seconds = 0;
  double rowsPerSecond() const { return seconds > 0 ? static_cast<double>(rows) / seconds : 0; }
};

// The durable-insert limit of a disk for given documents: creates a fresh database at path
// (which must not exist) with a table shaped like the sqlite storage plugin's records table
// (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE, site, type, stamp, doc; STRICT),
// journal_mode=WAL and synchronous=FULL like the plugin, and inserts rows with one prepared
// statement, batch rows per transaction; each COMMIT fsyncs. Only the inserts are timed.
// Removes the database afterwards. Throws std::runtime_error on any SQLite error.
RawInsertResult rawDurableInsert(const std::string& path, const std::vector<RawRecord>& rows,
                                 size_t batch);

}  // namespace yard::bench
