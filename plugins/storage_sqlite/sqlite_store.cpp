#include "sqlite_store.h"

#include <charconv>
#include <string>
#include <vector>

#include "backup.h"
#include "schema.h"

namespace yard::sqlite {

namespace {

using sdk::fail;

yard_rc readOptions(const sdk::Host& host, ConnectionOptions& out, yard_error* err) {
  const std::string dir = host.dataDir();
  const std::string dsn = host.config("dsn", "");
  if (dsn.empty() && dir.empty())
    return fail(err, YARD_INVALID, "no dsn configured and the host gave no data_dir");
  if (dsn.empty()) {
    out.path = dir + "/yard.db";
  } else if (dsn[0] != '/' && !dir.empty()) {
    out.path = dir + "/" + dsn;
  } else {
    out.path = dsn;
  }

  const std::string cache = host.config("cache_mb", "4");
  int mb = 0;
  auto [end, ec] = std::from_chars(cache.data(), cache.data() + cache.size(), mb);
  if (ec != std::errc() || end != cache.data() + cache.size() || mb < 1 || mb > 1024)
    return fail(err, YARD_INVALID,
                "cache_mb must be a whole number of MiB from 1 to 1024, not '" + cache + "'");
  out.cache_kib = mb * 1024;
  out.busy_timeout_ms = SqliteStore::kBusyTimeoutMs;
  return YARD_OK;
}

// Collects the rows of a one-column PRAGMA (integrity_check and friends), at most max of them.
yard_rc pragmaRows(Connection& conn, const char* sql, size_t max, std::vector<std::string>& rows,
                   yard_error* err) {
  return conn.query(
      sql,
      [&](sqlite3_stmt* s) {
        std::string line;
        for (int c = 0; c < sqlite3_column_count(s); ++c) {
          const unsigned char* t = sqlite3_column_text(s, c);
          if (c > 0) line += ' ';
          line += t ? reinterpret_cast<const char*>(t) : "NULL";
        }
        rows.push_back(std::move(line));
        return rows.size() < max;
      },
      err);
}

std::string joined(const std::vector<std::string>& rows) {
  std::string out;
  for (const auto& r : rows) out += (out.empty() ? "" : "; ") + r;
  return out;
}

// The checks of check() that read data; run inside one read transaction.
yard_rc checkSnapshot(Connection& conn, yard_error* err) {
  std::vector<std::string> rows;
  if (yard_rc rc = pragmaRows(conn, "PRAGMA integrity_check(10)", 10, rows, err); rc != YARD_OK)
    return rc;
  if (rows.size() != 1 || rows[0] != "ok")
    return fail(err, YARD_PERMANENT, conn.path() + " is damaged: " + joined(rows));
  rows.clear();
  // The v1 schema declares no foreign keys (the ABI lets the host write rows in any order);
  // the check guards any later format that adds them.
  if (yard_rc rc = pragmaRows(conn, "PRAGMA foreign_key_check", 10, rows, err); rc != YARD_OK)
    return rc;
  if (!rows.empty())
    return fail(
        err, YARD_PERMANENT,
        conn.path() + " has dangling references (table rowid parent fkid): " + joined(rows));
  int64_t counted = 0, counter = -1;
  yard_rc rc = conn.query(
      "SELECT (SELECT count(*) FROM records), (SELECT value FROM counters WHERE name = 'records')",
      [&](sqlite3_stmt* s) {
        counted = sqlite3_column_int64(s, 0);
        if (sqlite3_column_type(s, 1) != SQLITE_NULL) counter = sqlite3_column_int64(s, 1);
        return false;
      },
      err);
  if (rc != YARD_OK) return rc;
  if (counted != counter)
    return fail(err, YARD_PERMANENT,
                conn.path() + " holds " + std::to_string(counted) +
                    " records but its record counter says " + std::to_string(counter));
  return YARD_OK;
}

// A deferred BEGIN takes its snapshot at the first read. Reading now makes the snapshot the
// state at begin(), not at whatever the caller happens to read first.
yard_rc pinSnapshot(Connection& conn, yard_error* err) {
  Query q(conn, Stmt::kPinSnapshot, err);
  if (!q) return q.rc();
  const int code = q.step();
  return code == SQLITE_ROW || code == SQLITE_DONE ? YARD_OK : q.fail(code, err);
}

}  // namespace

SqliteStore::SqliteStore(sdk::Host host, ConnectionOptions options,
                         std::unique_ptr<Connection> writer,
                         std::unique_ptr<Checkpointer> checkpointer)
    : host_(host),
      options_(std::move(options)),
      checkpointer_(std::move(checkpointer)),
      pool_(
          std::move(writer),
          [opts = options_](Connection::Role role, std::unique_ptr<Connection>& out,
                            yard_error* err) { return Connection::open(opts, role, out, err); },
          kMaxReaders, std::chrono::milliseconds(kBusyTimeoutMs)) {}

SqliteStore::~SqliteStore() { host_.debug("closed " + options_.path); }

yard_rc SqliteStore::open(const sdk::Host& host, std::unique_ptr<SqliteStore>& out,
                          yard_error* err) {
  ConnectionOptions options;
  if (yard_rc rc = readOptions(host, options, err); rc != YARD_OK) return rc;
  std::unique_ptr<Connection> writer;
  if (yard_rc rc = Connection::open(options, Connection::Role::kWriter, writer, err); rc != YARD_OK)
    return rc;

  // Read-only checks first, so a file that is not ours is never modified (not even switched
  // to WAL).
  std::vector<std::string> rows;
  if (yard_rc rc = pragmaRows(*writer, "PRAGMA quick_check(10)", 10, rows, err); rc != YARD_OK) {
    // Damage bad enough to stop the check itself (or a file that is no database at all).
    sdk::setError(
        err, std::string(err ? err->message : "") + " (quick_check at open); refusing to open it");
    return rc;
  }
  if (rows.size() != 1 || rows[0] != "ok")
    return fail(err, YARD_PERMANENT,
                options.path + " failed its quick check (" + joined(rows) +
                    "): restore a backup; refusing to open a damaged store");
  StoreIdentity identity;
  if (yard_rc rc = identify(*writer, identity, err); rc != YARD_OK) return rc;

  rows.clear();
  if (yard_rc rc = pragmaRows(*writer, "PRAGMA journal_mode = WAL", 1, rows, err); rc != YARD_OK)
    return rc;
  if (rows.empty() || rows[0] != "wal")
    return fail(err, YARD_PERMANENT,
                options.path + ": cannot switch to WAL journal mode (got '" + joined(rows) +
                    "'); is the file on a network filesystem?");

  bool created = false;
  if (yard_rc rc = migrate(*writer, host, created, err); rc != YARD_OK) return rc;
  host.info(std::string(created ? "created " : "opened ") + options.path + " (store format " +
            std::to_string(currentFormat()) + ")");
  std::unique_ptr<Connection> checkpoint_conn;
  if (yard_rc rc = Connection::open(options, Connection::Role::kWriter, checkpoint_conn, err);
      rc != YARD_OK)
    return rc;
  auto checkpointer = std::make_unique<Checkpointer>(host, std::move(checkpoint_conn));
  checkpointer->watch(*writer);
  out.reset(new SqliteStore(host, std::move(options), std::move(writer), std::move(checkpointer)));
  return YARD_OK;
}

yard_rc SqliteStore::begin(bool writable, std::unique_ptr<SqliteTxn>& out, yard_error* err) {
  ConnectionPool::Lease lease;
  const auto role = writable ? Connection::Role::kWriter : Connection::Role::kReader;
  if (yard_rc rc = pool_.acquire(role, lease, err); rc != YARD_OK) return rc;
  yard_rc rc = Query(*lease, writable ? Stmt::kBeginWrite : Stmt::kBeginRead, err).run(err);
  if (rc != YARD_OK) return rc;
  if (!writable) {
    if (rc = pinSnapshot(*lease, err); rc != YARD_OK) {
      if (lease->exec("ROLLBACK", nullptr) != YARD_OK) lease.discard();
      return rc;
    }
  }
  out = std::make_unique<SqliteTxn>(std::move(lease), writable);
  return YARD_OK;
}

yard_rc SqliteStore::check(yard_error* err) {
  ConnectionPool::Lease lease;
  if (yard_rc rc = pool_.acquire(Connection::Role::kReader, lease, err); rc != YARD_OK) return rc;
  if (yard_rc rc = lease->exec("BEGIN", err); rc != YARD_OK) return rc;
  yard_rc rc = checkSnapshot(*lease, err);
  if (lease->exec("ROLLBACK", nullptr) != YARD_OK) lease.discard();
  if (rc == YARD_OK) host_.info("check passed: " + options_.path);
  return rc;
}

yard_rc SqliteStore::backup(const char* path, yard_error* err) {
  ConnectionPool::Lease lease;
  if (yard_rc rc = pool_.acquire(Connection::Role::kReader, lease, err); rc != YARD_OK) return rc;
  yard_rc rc = backupTo(*lease, path, err);
  if (rc == YARD_OK) host_.info(std::string("backup written to ") + path);
  return rc;
}

}  // namespace yard::sqlite
