#include "pg_backup.h"

#include <memory>
#include <string>

#include "pg_schema.h"

namespace yard::postgres {

namespace {

using sdk::fail;

// Every table of the store, in the order they are copied. The identity (store_meta,
// schema_migrations) is the target's own, written by migrate().
constexpr const char* kTables[] = {"meta",  "record_counts", "records", "writes",
                                   "audit", "notices",       "devices", "outbox",
                                   "blobs", "blob_refs",     "uploads"};

// Streams one table from src's snapshot into dst with COPY, without holding it in memory.
yard_rc copyTable(PgConnection& src, PgConnection& dst, const std::string& table, yard_error* err) {
  const std::string out = "COPY " + table + " TO STDOUT (FORMAT binary)";
  const std::string in = "COPY " + table + " FROM STDIN (FORMAT binary)";
  PgResult r(PQexec(src.raw(), out.c_str()));
  if (PQresultStatus(r.raw()) != PGRES_COPY_OUT) return src.fail(r.raw(), out, err);
  PgResult w(PQexec(dst.raw(), in.c_str()));
  if (PQresultStatus(w.raw()) != PGRES_COPY_IN) return dst.fail(w.raw(), in, err);
  for (;;) {
    char* buf = nullptr;
    const int n = PQgetCopyData(src.raw(), &buf, 0);
    if (n == -1) break;  // done
    if (n < 0) {
      (void)PQputCopyEnd(dst.raw(), "source failed");
      return src.fail(nullptr, "backup: reading " + table, err);
    }
    const int put = PQputCopyData(dst.raw(), buf, n);
    PQfreemem(buf);
    if (put != 1) return dst.fail(nullptr, "backup: writing " + table, err);
  }
  PgResult done(PQgetResult(src.raw()));
  if (PQresultStatus(done.raw()) != PGRES_COMMAND_OK) return src.fail(done.raw(), out, err);
  while (PgResult(PQgetResult(src.raw())).raw() != nullptr) {
  }
  if (PQputCopyEnd(dst.raw(), nullptr) != 1)
    return dst.fail(nullptr, "backup: ending " + table, err);
  PgResult end(PQgetResult(dst.raw()));
  if (PQresultStatus(end.raw()) != PGRES_COMMAND_OK) return dst.fail(end.raw(), in, err);
  while (PgResult(PQgetResult(dst.raw())).raw() != nullptr) {
  }
  return YARD_OK;
}

yard_rc copyAll(PgConnection& src, PgConnection& dst, yard_error* err) {
  std::string truncate = "TRUNCATE";
  for (const char* t : kTables) truncate += std::string(truncate.size() > 8 ? ", " : " ") + t;
  if (yard_rc rc = dst.exec(truncate.c_str(), err); rc != YARD_OK) return rc;
  for (const char* t : kTables)
    if (yard_rc rc = copyTable(src, dst, t, err); rc != YARD_OK) return rc;
  // The serial columns continue above the copied rows.
  return dst.exec(
      "SELECT setval(pg_get_serial_sequence('audit', 'audit_id'), "
      "coalesce(max(audit_id), 0) + 1, false) FROM audit; "
      "SELECT setval(pg_get_serial_sequence('notices', 'n'), coalesce(max(n), 0) + 1, false) "
      "FROM notices; "
      "SELECT setval(pg_get_serial_sequence('outbox', 'n'), coalesce(max(n), 0) + 1, false) "
      "FROM outbox",
      err);
}

}  // namespace

yard_rc backupTo(PgConnection& src, const ConnectParams& target, const sdk::Host& host,
                 yard_error* err) {
  std::unique_ptr<PgConnection> dst;
  if (yard_rc rc = PgConnection::open(target, dst, err); rc != YARD_OK) return rc;
  bool created = false;
  if (yard_rc rc = migrate(*dst, host, created, err); rc != YARD_OK) return rc;
  if (yard_rc rc = src.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err); rc != YARD_OK)
    return rc;
  yard_rc rc = dst->exec("BEGIN", err);
  if (rc == YARD_OK) rc = copyAll(src, *dst, err);
  if (rc == YARD_OK) rc = dst->exec("COMMIT", err);
  if (rc != YARD_OK) (void)dst->exec("ROLLBACK", nullptr);
  (void)src.exec("ROLLBACK", nullptr);
  return rc;
}

}  // namespace yard::postgres
