#include "connection.h"

#include <string>
#include <utility>

#include "yard/plugin.hpp"

namespace yard::sqlite {

yard_rc classify(int code) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return YARD_RETRY;
    case SQLITE_CONSTRAINT:
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return YARD_INVALID;
    default:
      return YARD_PERMANENT;
  }
}

yard_rc Connection::open(const ConnectionOptions& options, Role role,
                         std::unique_ptr<Connection>& out, yard_error* err) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                    (role == Role::kWriter ? SQLITE_OPEN_CREATE : 0);
  sqlite3* db = nullptr;
  int code = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  if (code != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    sqlite3_close_v2(db);
    return sdk::fail(err, classify(code), "cannot open " + options.path + ": " + why);
  }
  std::unique_ptr<Connection> conn(new Connection(db, role, options.path));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  // Defensive mode: no writable_schema or other ways to corrupt the file by SQL.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  // synchronous=FULL: in WAL mode every COMMIT fsyncs the WAL before returning, which is what
  // "commit returned OK means durable" needs. mmap_size=0 keeps RSS to the bounded page cache.
  const std::string pragmas =
      "PRAGMA cache_size = -" + std::to_string(options.cache_kib) +
      "; PRAGMA mmap_size = 0; PRAGMA synchronous = FULL;"
      " PRAGMA trusted_schema = OFF;" +
      (role == Role::kReader ? " PRAGMA query_only = 1;"
                             // Checkpoints keep the WAL near 4 MiB; this trims the file
                             // back after a long reader made it grow past 64 MiB.
                             : " PRAGMA journal_size_limit = 67108864;");
  if (yard_rc rc = conn->exec(pragmas.c_str(), err); rc != YARD_OK) return rc;
  out = std::move(conn);
  return YARD_OK;
}

Connection::~Connection() {
  for (sqlite3_stmt* s : statements_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

yard_rc Connection::exec(const char* sql, yard_error* err) {
  char* message = nullptr;
  int code = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (code == SQLITE_OK) return YARD_OK;
  std::string why = message ? message : sqlite3_errstr(code);
  sqlite3_free(message);
  return sdk::fail(err, classify(code), path_ + ": " + why);
}

yard_rc Connection::query(const char* sql, const std::function<bool(sqlite3_stmt*)>& row,
                          yard_error* err) {
  sqlite3_stmt* stmt = nullptr;
  int code = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr);
  if (code != SQLITE_OK) return fail(code, path_, err);
  while ((code = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (!row(stmt)) {
      code = SQLITE_DONE;
      break;
    }
  }
  sqlite3_finalize(stmt);
  return code == SQLITE_DONE ? YARD_OK : fail(code, path_, err);
}

sqlite3_stmt* Connection::statement(Stmt s, yard_error* err) {
  sqlite3_stmt*& slot = statements_[static_cast<size_t>(s)];
  if (slot != nullptr) return slot;
  int code = sqlite3_prepare_v3(db_, sqlOf(s), -1, SQLITE_PREPARE_PERSISTENT, &slot, nullptr);
  if (code != SQLITE_OK) {
    fail(code, std::string("preparing \"") + sqlOf(s) + "\"", err);
    sqlite3_finalize(slot);
    slot = nullptr;
  }
  return slot;
}

yard_rc Connection::fail(int code, std::string_view what, yard_error* err) const {
  // sqlite3_errmsg describes the connection's last error; when that is not this code (say a
  // bind error found before stepping), the generic text for the code is the honest one.
  const char* why =
      (sqlite3_errcode(db_) & 0xff) == (code & 0xff) ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
  return sdk::fail(err, classify(code), std::string(what) + ": " + why);
}

Query::Query(Connection& conn, Stmt s, yard_error* err) : conn_(conn) {
  sqlite3_stmt* stmt = conn.statement(s, err);
  if (stmt == nullptr) {
    rc_ = YARD_PERMANENT;
    return;
  }
  if (sqlite3_stmt_busy(stmt)) {
    // Only possible when a row callback calls back into the same transaction with the same
    // kind of query; resetting would pull the rows out from under the outer scan.
    rc_ = sdk::fail(err, YARD_INVALID,
                    "a row callback re-entered the transaction with the same query");
    return;
  }
  stmt_ = stmt;
}

Query::~Query() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::bind(int index, const char* text) {
  if (stmt_ == nullptr) return *this;
  // SQLITE_STATIC: the ABI guarantees the argument outlives this call, and the statement is
  // reset before the call returns.
  int code = sqlite3_bind_text(stmt_, index, text, -1, SQLITE_STATIC);
  if (bind_error_ == SQLITE_OK) bind_error_ = code;
  return *this;
}

Query& Query::bind(int index, int64_t value) {
  if (stmt_ == nullptr) return *this;
  int code = sqlite3_bind_int64(stmt_, index, value);
  if (bind_error_ == SQLITE_OK) bind_error_ = code;
  return *this;
}

int Query::step() {
  if (stmt_ == nullptr) return SQLITE_MISUSE;
  return bind_error_ != SQLITE_OK ? bind_error_ : sqlite3_step(stmt_);
}

yard_rc Query::run(yard_error* err) {
  if (stmt_ == nullptr) return rc_;  // err was written when the statement could not be had
  int code = step();
  return code == SQLITE_DONE ? YARD_OK : fail(code, err);
}

const char* Query::text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

yard_rc Query::fail(int code, yard_error* err) const { return conn_.fail(code, conn_.path(), err); }

}  // namespace yard::sqlite
