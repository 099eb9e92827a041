#pragma once

#include <memory>

#include "pg_options.h"
#include "pg_pool.h"
#include "pg_txn.h"
#include "yard/plugin.hpp"

namespace yard::postgres {

// The postgres storage plugin's store: a pool of libpq connections to one database, which
// several hub processes may share (see PgTxn for how their writes are kept apart, and
// docs/postgres.md). Members implement yard_storage_api (through sdk::StorageTable); see
// yard/plugin.h for their contracts. Thread-safe.
class PgStore {
 public:
  // How long begin() waits for a free connection before answering YARD_RETRY.
  static constexpr int kPoolWaitMs = 15000;

  // Connects, refuses a server older than 13 (no pg_current_xact_id), a schema that is not an
  // empty one or this plugin's store of a format this build knows; migrates it.
  static yard_rc open(const sdk::Host& host, std::unique_ptr<PgStore>& out, yard_error* err);
  ~PgStore();

  // The store's identity and its own invariants, on one snapshot.
  yard_rc check(yard_error* err);
  // target: an absolute file path (the admin API's backup download), which receives a psql
  // script; or the conninfo of another database (empty, or an earlier backup of this store),
  // which receives a consistent copy of every table. See pg_backup.h.
  yard_rc backup(const char* target, yard_error* err);
  // A connection found dead at BEGIN (the server restarted since it was last used) is
  // replaced and BEGIN tried again, so only transactions in flight at a restart fail.
  yard_rc begin(bool writable, std::unique_ptr<PgTxn>& out, yard_error* err);

 private:
  PgStore(sdk::Host host, StoreOptions options);

  sdk::Host host_;
  const StoreOptions options_;
  PgPool pool_;
};

}  // namespace yard::postgres
