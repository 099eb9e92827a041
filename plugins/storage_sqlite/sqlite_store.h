#pragma once

#include <memory>

#include "checkpointer.h"
#include "connection_pool.h"
#include "sqlite_txn.h"
#include "yard/plugin.hpp"

namespace yard::sqlite {

// The sqlite storage plugin's store: one database file in WAL mode, one writer connection and a
// few reader connections (see ConnectionPool). Members implement yard_storage_api (through
// sdk::StorageTable); see yard/plugin.h for their contracts. Thread-safe.
//
// Config keys (declared in entry.cpp):
//   dsn       the database file; default "<data_dir>/yard.db"; a relative path is taken
//             relative to data_dir, not to the daemon's working directory.
//   cache_mb  page cache per connection in MiB (1..1024, default 4). Memory is bounded by
//             (1 + kMaxReaders) * cache_mb plus SQLite's small fixed overhead; no mmap.
class SqliteStore {
 public:
  // 50 phones syncing at once kept 4 readers busy past the wait (benchmark: 503s), so the pool
  // is sized for a yard; idle connections cost little (their caches fill only when used).
  static constexpr size_t kMaxReaders = 16;
  static constexpr int kBusyTimeoutMs = 15000;

  // Opens the file, refuses it if corrupt (quick_check), another plugin's, or of a newer
  // format; switches it to WAL and migrates it to the current format.
  static yard_rc open(const sdk::Host& host, std::unique_ptr<SqliteStore>& out, yard_error* err);
  ~SqliteStore();

  // PRAGMA integrity_check, foreign_key_check and the store's own invariants, on one snapshot.
  yard_rc check(yard_error* err);
  yard_rc backup(const char* path, yard_error* err);
  // A read-only txn pins its WAL snapshot at begin; a writable one takes the write lock.
  yard_rc begin(bool writable, std::unique_ptr<SqliteTxn>& out, yard_error* err);

 private:
  SqliteStore(sdk::Host host, ConnectionOptions options, std::unique_ptr<Connection> writer,
              std::unique_ptr<Checkpointer> checkpointer);

  sdk::Host host_;
  const ConnectionOptions options_;
  std::unique_ptr<Checkpointer> checkpointer_;  // before pool_: outlives the writer it watches
  ConnectionPool pool_;
};

}  // namespace yard::sqlite
