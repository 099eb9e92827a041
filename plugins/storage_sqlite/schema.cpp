#include "schema.h"

#include <cstdlib>
#include <string>

namespace yard::sqlite {

namespace {

using sdk::fail;

// Migration N takes the store from format N-1 to N. Append only: a released migration is
// never edited, because stores in the field have already run it.
constexpr const char* kMigrations[] = {
    // 1: the initial schema.
    // - records.seq is the rowid: the change feed is a range scan of the table's own B-tree,
    //   and AUTOINCREMENT never hands out a seq twice (see kRecordPut).
    // - counters keeps the record count, so the status page does not scan a million rows.
    // - store_meta is this plugin's own (name, format); meta is the host's key/value space.
    R"sql(
CREATE TABLE store_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT, WITHOUT ROWID;
INSERT INTO counters(name, value) VALUES('records', 0);
CREATE TABLE records(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  site TEXT NOT NULL,
  type TEXT NOT NULL,
  stamp TEXT NOT NULL,
  doc TEXT NOT NULL) STRICT;
CREATE TABLE writes(
  write_id TEXT PRIMARY KEY,
  record_id TEXT NOT NULL,
  stamp TEXT NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE audit(
  audit_id INTEGER PRIMARY KEY AUTOINCREMENT,
  record_id TEXT NOT NULL,
  write_id TEXT NOT NULL UNIQUE,
  lost_doc TEXT NOT NULL,
  kept_doc TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  restored INTEGER NOT NULL DEFAULT 0) STRICT;
CREATE TABLE notices(
  n INTEGER PRIMARY KEY,
  notice_id TEXT NOT NULL UNIQUE,
  device TEXT NOT NULL,
  record_id TEXT NOT NULL,
  doc TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  acked INTEGER NOT NULL DEFAULT 0) STRICT;
CREATE INDEX notices_inbox ON notices(device, at_ms) WHERE acked = 0;
CREATE TABLE devices(
  id TEXT PRIMARY KEY,
  site TEXT NOT NULL,
  operator_id TEXT NOT NULL,
  node INTEGER NOT NULL,
  token_hash TEXT NOT NULL,
  revoked INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  state_doc TEXT NOT NULL) STRICT;
CREATE UNIQUE INDEX devices_token ON devices(token_hash) WHERE token_hash <> '';
)sql",
    // 2: the outbox of records to push upstream, one row per record. n is the queue order.
    R"sql(
CREATE TABLE outbox(
  n INTEGER PRIMARY KEY,
  record_id TEXT NOT NULL UNIQUE,
  stamp TEXT NOT NULL,
  base TEXT NOT NULL,
  at_ms INTEGER NOT NULL) STRICT;
)sql",
    // 3: attachments (ABI 1.1). blobs: metadata of attachments held or evicted; the partial
    // index serves blob_stats and the eviction scan without reading evicted rows. blob_refs:
    // which records reference which sha256. uploads: tus uploads in progress.
    R"sql(
CREATE TABLE blobs(
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mime TEXT NOT NULL,
  first_seen_ms INTEGER NOT NULL,
  confirmed_ms INTEGER NOT NULL,
  present INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE blob_refs(
  sha256 TEXT NOT NULL,
  record_id TEXT NOT NULL,
  PRIMARY KEY(sha256, record_id)) STRICT, WITHOUT ROWID;
CREATE TABLE uploads(
  upload_id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  length INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  mime TEXT NOT NULL,
  device TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL) STRICT, WITHOUT ROWID;
)sql",
};

constexpr int kFormat = static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));

yard_rc readInt(Connection& conn, const char* sql, int64_t& out, yard_error* err) {
  out = 0;
  return conn.query(
      sql,
      [&](sqlite3_stmt* s) {
        out = sqlite3_column_int64(s, 0);
        return false;
      },
      err);
}

}  // namespace

int currentFormat() { return kFormat; }

yard_rc identify(Connection& conn, StoreIdentity& out, yard_error* err) {
  const std::string& path = conn.path();
  int64_t tables = 0, has_meta = 0, user_version = 0;
  if (yard_rc rc =
          readInt(conn, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", tables, err);
      rc != YARD_OK)
    return rc;
  if (yard_rc rc = readInt(conn,
                           "SELECT count(*) FROM sqlite_master "
                           "WHERE type = 'table' AND name = 'store_meta'",
                           has_meta, err);
      rc != YARD_OK)
    return rc;
  if (yard_rc rc = readInt(conn, "PRAGMA user_version", user_version, err); rc != YARD_OK)
    return rc;

  out = StoreIdentity{tables == 0 && user_version == 0, static_cast<int>(user_version)};
  if (out.empty) return YARD_OK;
  if (has_meta == 0)
    return fail(err, YARD_PERMANENT,
                path +
                    " is an SQLite database but not a yard-gateway store (it has no "
                    "store_meta table); refusing to touch it");

  std::string plugin, format;
  yard_rc rc = conn.query(
      "SELECT key, value FROM store_meta WHERE key IN ('plugin', 'format')",
      [&](sqlite3_stmt* s) {
        const std::string key = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        const char* value = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
        (key == "plugin" ? plugin : format) = value ? value : "";
        return true;
      },
      err);
  if (rc != YARD_OK) return rc;
  if (plugin != kPluginName)
    return fail(err, YARD_PERMANENT,
                path + " is a store of the '" + plugin + "' storage plugin, not '" + kPluginName +
                    "': set [storage] plugin = " + plugin + ", or point dsn at another file");
  const int stored = format.empty() ? 0 : std::atoi(format.c_str());
  if (stored > out.format) out.format = stored;
  if (out.format > kFormat)
    return fail(err, YARD_PERMANENT,
                path + " has store format " + std::to_string(out.format) + ", newer than the " +
                    std::to_string(kFormat) +
                    " this sqlite plugin writes: it was written by a newer yard-gateway; "
                    "upgrade, or restore a backup made by this version");
  return YARD_OK;
}

yard_rc migrate(Connection& conn, const sdk::Host& host, bool& created, yard_error* err) {
  created = false;
  if (yard_rc rc = conn.exec("BEGIN IMMEDIATE", err); rc != YARD_OK) return rc;
  auto rollback = [&](yard_rc rc) {
    conn.exec("ROLLBACK", nullptr);
    return rc;
  };
  StoreIdentity id;
  if (yard_rc rc = identify(conn, id, err); rc != YARD_OK) return rollback(rc);
  if (id.format == kFormat) return rollback(YARD_OK);  // nothing to do; end the transaction

  for (int version = id.format + 1; version <= kFormat; ++version) {
    if (yard_rc rc = conn.exec(kMigrations[version - 1], err); rc != YARD_OK) {
      sdk::setError(err, "migration to store format " + std::to_string(version) +
                             " failed: " + (err ? err->message : ""));
      return rollback(rc);
    }
  }
  const std::string format = std::to_string(kFormat);
  const std::string stamp = std::string("INSERT INTO store_meta(key, value) VALUES('plugin', '") +
                            kPluginName +
                            "'), "
                            "('format', '" +
                            format + "'), ('created_ms', '" + std::to_string(host.nowMs()) +
                            "') ON CONFLICT(key) DO UPDATE SET value = excluded.value "
                            "WHERE key <> 'created_ms'; PRAGMA user_version = " +
                            format + ";";
  if (yard_rc rc = conn.exec(stamp.c_str(), err); rc != YARD_OK) return rollback(rc);
  if (yard_rc rc = conn.exec("COMMIT", err); rc != YARD_OK) return rollback(rc);
  created = id.empty;
  if (!created)
    host.info("migrated " + conn.path() + " from store format " + std::to_string(id.format) +
              " to " + format);
  return YARD_OK;
}

}  // namespace yard::sqlite
