#pragma once

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "statements.h"
#include "yard/plugin.h"

namespace yard::sqlite {

// The ABI class of an SQLite result code: busy/locked are worth retrying, constraint and
// type errors are the caller's input, anything else (I/O, full disk, corruption) is permanent.
yard_rc classify(int code);

struct ConnectionOptions {
  std::string path;
  int cache_kib = 4096;        // page cache bound per connection
  int busy_timeout_ms = 5000;  // how long to wait for another process's lock
};

// One SQLite connection and its cached prepared statements. Not thread-safe: the pool hands a
// connection to one transaction at a time (so it is opened SQLITE_OPEN_NOMUTEX).
class Connection {
 public:
  enum class Role { kWriter, kReader };

  // A writer may create the file; a reader is query_only, so a bug can never write through it.
  // Neither memory-maps the file: RSS stays at the bounded page cache.
  static yard_rc open(const ConnectionOptions& options, Role role, std::unique_ptr<Connection>& out,
                      yard_error* err);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }
  Role role() const { return role_; }
  const std::string& path() const { return path_; }
  bool inTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

  // Runs SQL without results (several statements allowed). Not cached: setup and admin paths.
  yard_rc exec(const char* sql, yard_error* err);
  // Runs a one-off query; row is called per result row and returns false to stop.
  yard_rc query(const char* sql, const std::function<bool(sqlite3_stmt*)>& row, yard_error* err);
  // The statement s, prepared on first use and kept. nullptr (err set) if it cannot be prepared.
  sqlite3_stmt* statement(Stmt s, yard_error* err);
  // Writes "<what>: <SQLite's message>" into err and returns classify(code).
  yard_rc fail(int code, std::string_view what, yard_error* err) const;

 private:
  Connection(sqlite3* db, Role role, std::string path)
      : db_(db), role_(role), path_(std::move(path)) {}
  sqlite3* db_;
  Role role_;
  std::string path_;
  std::array<sqlite3_stmt*, kStmtCount> statements_{};
};

// One use of a cached statement: bind, step, read columns. The destructor resets the statement
// and clears its bindings, so the next user finds it clean however this one ended.
class Query {
 public:
  Query(Connection& conn, Stmt s, yard_error* err);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // False when the statement could not be had; rc() then says why (err is already written).
  explicit operator bool() const { return stmt_ != nullptr; }
  yard_rc rc() const { return rc_; }

  // Borrowed text: it must outlive the Query (ABI arguments live for the whole call).
  Query& bind(int index, const char* text);
  Query& bind(int index, int64_t value);

  // SQLITE_ROW, SQLITE_DONE, or the error (a failed bind included).
  int step();
  // Steps a statement that returns no rows; YARD_OK when it completed. Safe on a Query that
  // could not get its statement (returns rc()), so `Query(c, s, err).run(err)` is fine.
  yard_rc run(yard_error* err);
  // Steps every row, calling fn(*this); fn returns non-zero to stop (the ABI's callback rule).
  template <typename Fn>
  yard_rc each(Fn&& fn, yard_error* err) {
    if (stmt_ == nullptr) return rc_;
    for (;;) {
      int code = step();
      if (code == SQLITE_DONE) return YARD_OK;
      if (code != SQLITE_ROW) return fail(code, err);
      if (fn(*this) != 0) return YARD_OK;
    }
  }

  // Column values of the current row; valid until the next step (so for one callback).
  const char* text(int col) const;
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

  yard_rc fail(int code, yard_error* err) const;

 private:
  Connection& conn_;
  sqlite3_stmt* stmt_ = nullptr;
  yard_rc rc_ = YARD_OK;
  int bind_error_ = SQLITE_OK;
};

}  // namespace yard::sqlite
