#include "pg_backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "pg_schema.h"

namespace yard::postgres {

namespace {

using sdk::fail;

// Every table of the store, in the order they are copied. The identity (store_meta,
// schema_migrations) is the target's own, written by migrate() or the creation script.
constexpr const char* kTables[] = {"meta",  "record_counts", "records", "writes",
                                   "audit", "notices",       "devices", "outbox",
                                   "blobs", "blob_refs",     "uploads"};

// The serial columns continue above the copied rows.
constexpr const char* kResetSerials =
    "SELECT setval(pg_get_serial_sequence('audit', 'audit_id'), "
    "coalesce(max(audit_id), 0) + 1, false) FROM audit; "
    "SELECT setval(pg_get_serial_sequence('notices', 'n'), coalesce(max(n), 0) + 1, false) "
    "FROM notices; "
    "SELECT setval(pg_get_serial_sequence('outbox', 'n'), coalesce(max(n), 0) + 1, false) "
    "FROM outbox";

// Ends a COPY TO STDOUT on conn once its data has been read: its final result must be OK.
yard_rc endCopyOut(PgConnection& conn, const std::string& what, yard_error* err) {
  PgResult done(PQgetResult(conn.raw()));
  if (PQresultStatus(done.raw()) != PGRES_COMMAND_OK) return conn.fail(done.raw(), what, err);
  while (PgResult(PQgetResult(conn.raw())).raw() != nullptr) {
  }
  return YARD_OK;
}

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
  if (yard_rc rc = endCopyOut(src, out, err); rc != YARD_OK) return rc;
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
  return dst.exec(kResetSerials, err);
}

// A file written whole or not at all: written as path + ".tmp", renamed over path by finish().
class AtomicFile {
 public:
  explicit AtomicFile(std::string path) : path_(std::move(path)), temp_(path_ + ".tmp") {
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  }
  ~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!done_) ::unlink(temp_.c_str());
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool write(const char* data, size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd_, data, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      data += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }
  bool write(const std::string& s) { return write(s.data(), s.size()); }
  bool finish() {
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) return false;
    fd_ = -1;
    if (::rename(temp_.c_str(), path_.c_str()) != 0) return false;
    done_ = true;
    const auto slash = path_.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash + 1);
    const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0) return false;
    const bool synced = ::fsync(d) == 0;
    ::close(d);
    return synced;
  }

 private:
  std::string path_, temp_;
  int fd_ = -1;
  bool done_ = false;
};

yard_rc writeFailed(const std::string& path, yard_error* err) {
  return fail(err, YARD_PERMANENT, "backup: cannot write " + path + ": " + std::strerror(errno));
}

// One table as COPY text into out, after the COPY command that reads it back in psql.
yard_rc dumpTable(PgConnection& src, const std::string& table, AtomicFile& out,
                  const std::string& path, yard_error* err) {
  const std::string sql = "COPY " + table + " TO STDOUT";
  PgResult r(PQexec(src.raw(), sql.c_str()));
  if (PQresultStatus(r.raw()) != PGRES_COPY_OUT) return src.fail(r.raw(), sql, err);
  bool written = out.write("COPY " + table + " FROM stdin;\n");
  for (;;) {
    char* buf = nullptr;
    const int n = PQgetCopyData(src.raw(), &buf, 0);
    if (n == -1) break;
    if (n < 0) return src.fail(nullptr, "backup: reading " + table, err);
    written = written && out.write(buf, static_cast<size_t>(n));
    PQfreemem(buf);
  }
  if (yard_rc rc = endCopyOut(src, sql, err); rc != YARD_OK) return rc;
  if (!written || !out.write("\\.\n")) return writeFailed(path, err);
  return YARD_OK;
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

yard_rc backupToFile(PgConnection& src, const std::string& path, const sdk::Host& host,
                     yard_error* err) {
  AtomicFile out(path);
  if (!out.ok()) return writeFailed(path + ".tmp", err);
  if (!out.write("-- yard-gateway postgres store. Restore into an empty database with\n"
                 "--   psql -v ON_ERROR_STOP=1 -1 -d NEWDB -f THIS_FILE\n" +
                 creationScript(host.nowMs())))
    return writeFailed(path, err);
  if (yard_rc rc = src.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err); rc != YARD_OK)
    return rc;
  yard_rc rc = YARD_OK;
  for (const char* t : kTables)
    if (rc = dumpTable(src, t, out, path, err); rc != YARD_OK) break;
  (void)src.exec("ROLLBACK", nullptr);
  if (rc != YARD_OK) return rc;
  if (!out.write(std::string(kResetSerials) + ";\n") || !out.finish())
    return writeFailed(path, err);
  return YARD_OK;
}

}  // namespace yard::postgres
