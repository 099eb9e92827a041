#include "pg_schema.h"

#include <cstdlib>
#include <string>

namespace yard::postgres {

namespace {

using sdk::fail;

// Migration N takes the store from format N-1 to N. Append only: a released migration is
// never edited, because stores in the field have already run it.
//
// Text keys are COLLATE "C": ids, stamps and digests sort as bytes, as the ABI's orderings
// (and the sqlite plugin) do, whatever the database's locale.
constexpr const char* kMigrations[] = {
    // 1: the whole schema of ABI 1.1.
    // - records.seq is (writing transaction id << 20 | ordinal): see docs/postgres.md.
    // - record_counts is a sharded counter: each writer adds to a random slot at commit, so
    //   hub processes never queue on one hot row just to count records.
    R"sql(
CREATE TABLE store_meta(key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
CREATE TABLE schema_migrations(version integer PRIMARY KEY, applied_ms bigint NOT NULL);
CREATE TABLE meta(key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
CREATE TABLE record_counts(slot integer PRIMARY KEY, n bigint NOT NULL);
CREATE TABLE records(
  id text COLLATE "C" PRIMARY KEY,
  site text NOT NULL,
  type text NOT NULL,
  stamp text COLLATE "C" NOT NULL,
  seq bigint NOT NULL,
  doc text NOT NULL);
CREATE UNIQUE INDEX records_seq ON records(seq);
CREATE TABLE writes(
  write_id text COLLATE "C" PRIMARY KEY,
  record_id text NOT NULL,
  stamp text NOT NULL);
CREATE TABLE audit(
  audit_id bigserial PRIMARY KEY,
  record_id text NOT NULL,
  write_id text COLLATE "C" NOT NULL UNIQUE,
  lost_doc text NOT NULL,
  kept_doc text NOT NULL,
  at_ms bigint NOT NULL,
  restored integer NOT NULL DEFAULT 0);
CREATE TABLE notices(
  n bigserial PRIMARY KEY,
  notice_id text COLLATE "C" NOT NULL UNIQUE,
  device text COLLATE "C" NOT NULL,
  record_id text NOT NULL,
  doc text NOT NULL,
  at_ms bigint NOT NULL,
  acked integer NOT NULL DEFAULT 0);
CREATE INDEX notices_inbox ON notices(device, at_ms, n) WHERE acked = 0;
CREATE TABLE devices(
  id text COLLATE "C" PRIMARY KEY,
  site text NOT NULL,
  operator_id text NOT NULL,
  node integer NOT NULL,
  token_hash text COLLATE "C" NOT NULL,
  revoked integer NOT NULL,
  created_ms bigint NOT NULL,
  state_doc text NOT NULL);
CREATE UNIQUE INDEX devices_token ON devices(token_hash) WHERE token_hash <> '';
CREATE TABLE outbox(
  n bigserial PRIMARY KEY,
  record_id text COLLATE "C" NOT NULL UNIQUE,
  stamp text NOT NULL,
  base text NOT NULL,
  at_ms bigint NOT NULL);
CREATE TABLE blobs(
  sha256 text COLLATE "C" PRIMARY KEY,
  size bigint NOT NULL,
  mime text NOT NULL,
  first_seen_ms bigint NOT NULL,
  confirmed_ms bigint NOT NULL,
  present integer NOT NULL);
CREATE TABLE blob_refs(
  sha256 text COLLATE "C" NOT NULL,
  record_id text COLLATE "C" NOT NULL,
  PRIMARY KEY(sha256, record_id));
CREATE TABLE uploads(
  upload_id text COLLATE "C" PRIMARY KEY,
  sha256 text NOT NULL,
  length bigint NOT NULL,
  "offset" bigint NOT NULL,
  mime text NOT NULL,
  device text NOT NULL,
  created_ms bigint NOT NULL,
  updated_ms bigint NOT NULL);
)sql",
};

constexpr int kFormat = static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));

// Serialises migrations of one database across hub processes (an arbitrary constant: "yard").
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7955827)";

yard_rc readInt(PgConnection& conn, const char* sql, int64_t& out, yard_error* err) {
  PgResult r;
  if (yard_rc rc = conn.exec(sql, err, &r); rc != YARD_OK) return rc;
  out = r.rows() > 0 ? r.integer(0, 0) : 0;
  return YARD_OK;
}

// Records this plugin's name and format in store_meta (created_ms only when new).
std::string identityStatement(const std::string& now_ms) {
  return std::string("INSERT INTO store_meta(key, value) VALUES('plugin', '") + kPluginName +
         "'), ('format', '" + std::to_string(kFormat) + "'), ('created_ms', '" + now_ms +
         "') ON CONFLICT(key) DO UPDATE SET value = excluded.value "
         "WHERE store_meta.key <> 'created_ms'";
}

}  // namespace

std::string creationScript(int64_t now_ms) {
  const std::string now = std::to_string(now_ms);
  std::string sql;
  for (int version = 1; version <= kFormat; ++version)
    sql += std::string(kMigrations[version - 1]) +
           "INSERT INTO schema_migrations(version, applied_ms) VALUES(" + std::to_string(version) +
           ", " + now + ");\n";
  return sql + identityStatement(now) + ";\n";
}

int currentFormat() { return kFormat; }

yard_rc identify(PgConnection& conn, StoreIdentity& out, yard_error* err) {
  const std::string where = std::string("database '") + PQdb(conn.raw()) + "'";
  int64_t tables = 0, has_meta = 0;
  if (yard_rc rc = readInt(
          conn, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()", tables, err);
      rc != YARD_OK)
    return rc;
  if (yard_rc rc = readInt(conn,
                           "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
                           "AND tablename = 'store_meta'",
                           has_meta, err);
      rc != YARD_OK)
    return rc;
  out = StoreIdentity{tables == 0, 0};
  if (out.empty) return YARD_OK;
  if (has_meta == 0)
    return fail(err, YARD_PERMANENT,
                where +
                    " holds tables but is not a yard-gateway store (no store_meta table); "
                    "refusing to touch it: point [storage] at an empty database");

  PgResult r;
  if (yard_rc rc = conn.exec(
          "SELECT key, value FROM store_meta WHERE key IN ('plugin', 'format') ORDER BY key", err,
          &r);
      rc != YARD_OK)
    return rc;
  std::string plugin, format;
  for (int i = 0; i < r.rows(); ++i)
    (std::string(r.text(i, 0)) == "plugin" ? plugin : format) = r.text(i, 1);
  if (plugin != kPluginName)
    return fail(err, YARD_PERMANENT,
                where + " is a store of the '" + plugin + "' storage plugin, not '" + kPluginName +
                    "': set [storage] plugin = " + plugin +
                    ", or point [storage] at another database");
  out.format = format.empty() ? 0 : std::atoi(format.c_str());
  if (out.format > kFormat)
    return fail(err, YARD_PERMANENT,
                where + " has store format " + std::to_string(out.format) + ", newer than the " +
                    std::to_string(kFormat) +
                    " this postgres plugin writes: it was written by a newer yard-gateway; "
                    "upgrade every hub process, or restore a backup made by this version");
  return YARD_OK;
}

yard_rc migrate(PgConnection& conn, const sdk::Host& host, bool& created, yard_error* err) {
  created = false;
  if (yard_rc rc = conn.exec("BEGIN", err); rc != YARD_OK) return rc;
  auto rollback = [&](yard_rc rc) {
    (void)conn.exec("ROLLBACK", nullptr);
    return rc;
  };
  if (yard_rc rc = conn.exec(kMigrationLock, err); rc != YARD_OK) return rollback(rc);
  StoreIdentity id;
  if (yard_rc rc = identify(conn, id, err); rc != YARD_OK) return rollback(rc);
  if (id.format == kFormat) return rollback(YARD_OK);  // nothing to do; end the transaction

  const std::string now = std::to_string(host.nowMs());
  for (int version = id.format + 1; version <= kFormat; ++version) {
    if (yard_rc rc = conn.exec(kMigrations[version - 1], err); rc != YARD_OK) {
      sdk::setError(err, "migration to store format " + std::to_string(version) +
                             " failed: " + (err ? err->message : ""));
      return rollback(rc);
    }
    const std::string record = "INSERT INTO schema_migrations(version, applied_ms) VALUES(" +
                               std::to_string(version) + ", " + now + ")";
    if (yard_rc rc = conn.exec(record.c_str(), err); rc != YARD_OK) return rollback(rc);
  }
  const std::string stamp = identityStatement(now);
  if (yard_rc rc = conn.exec(stamp.c_str(), err); rc != YARD_OK) return rollback(rc);
  if (yard_rc rc = conn.exec("COMMIT", err); rc != YARD_OK) return rollback(rc);
  created = id.empty;
  if (!created)
    host.info("migrated the store from format " + std::to_string(id.format) + " to " +
              std::to_string(kFormat));
  return YARD_OK;
}

}  // namespace yard::postgres
