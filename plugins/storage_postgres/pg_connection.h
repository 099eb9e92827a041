#pragma once

#include <libpq-fe.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pg_statements.h"
#include "yard/plugin.h"

namespace yard::postgres {

// How to reach the database: libpq connection keywords and values (PQconnectdbParams), with
// "dbname" allowed to hold a whole conninfo string or URI (expand_dbname). The password, if
// any, is among them: never log these.
struct ConnectParams {
  std::vector<std::string> keys;
  std::vector<std::string> values;
  // A secret-free description for log lines: "host:port/dbname as user".
  std::string describe() const;
};

// The yard_rc for a PostgreSQL error: SQLSTATE classes that may pass (connection loss, server
// shutdown, serialization failure, deadlock, lock timeout, too many connections) are RETRY,
// constraint and data errors INVALID, the rest PERMANENT. An empty sqlstate is a client-side
// failure (the connection is gone): RETRY.
yard_rc classify(std::string_view sqlstate);

// One result of a query. Owns the PGresult. Values are text (the text protocol).
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  PgResult& operator=(PgResult&& o) noexcept;
  ~PgResult() { PQclear(r_); }

  int rows() const { return r_ ? PQntuples(r_) : 0; }
  const char* text(int row, int col) const { return PQgetvalue(r_, row, col); }
  int64_t integer(int row, int col) const;
  // Rows a command changed (UPDATE, DELETE, INSERT).
  int64_t changed() const;
  PGresult* raw() const { return r_; }

 private:
  PGresult* r_ = nullptr;
};

// Text parameters of one query (at most kMax). Integers are kept as text here; strings are
// borrowed and must outlive the query. Not copyable: values point into the object.
class Params {
 public:
  static constexpr int kMax = 10;
  Params() = default;
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;

  Params& add(const char* text);
  Params& add(int64_t value);
  int count() const { return n_; }
  const char* const* values() const { return values_.data(); }

 private:
  std::array<const char*, kMax> values_{};
  std::array<std::string, kMax> ints_;
  int n_ = 0;
};

// One libpq connection. Statements of the data path are prepared on first use and kept for
// the connection's lifetime (a fresh connection after a reconnect prepares them again). Used
// by one thread at a time.
class PgConnection {
 public:
  // Connects, then forces synchronous_commit = on for the session (a role or database default
  // of off would acknowledge commits that a crash can lose).
  static yard_rc open(const ConnectParams& params, std::unique_ptr<PgConnection>& out,
                      yard_error* err);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs sql with the simple protocol (several statements allowed); out gets the last result.
  yard_rc exec(const char* sql, yard_error* err, PgResult* out = nullptr);
  // Runs sql once with parameters (not prepared): setup and admin paths.
  yard_rc query(const char* sql, const Params& params, PgResult& out, yard_error* err);
  // Runs the data-path statement s, prepared on first use.
  yard_rc run(Stmt s, const Params& params, PgResult& out, yard_error* err);

  // The server is gone or the socket broke: the connection is useless and must be replaced.
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  // Inside a transaction block (idle in it, or in a failed one).
  bool inTransaction() const;
  // Inside a transaction that an earlier error aborted: everything but ROLLBACK fails.
  bool transactionFailed() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }
  PGconn* raw() const { return conn_; }

  // Writes "<what>: <message>" into err for a failed result (or the connection's error when
  // there is no result) and returns its class.
  yard_rc fail(const PGresult* r, std::string_view what, yard_error* err) const;

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  yard_rc check(PgResult& r, std::string_view what, yard_error* err) const;

  PGconn* conn_;
  std::array<bool, kStmtCount> prepared_{};
};

}  // namespace yard::postgres
