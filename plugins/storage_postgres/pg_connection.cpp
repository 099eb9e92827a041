#include "pg_connection.h"

#include <charconv>
#include <cstdlib>
#include <string>

#include "yard/plugin.hpp"

namespace yard::postgres {

namespace {

// libpq's messages end with a newline (and may hold several lines): one line for the log.
std::string oneLine(const char* message) {
  std::string s = message ? message : "";
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::string ConnectParams::describe() const {
  std::string host = "(default host)", port, db = "(default database)", user;
  auto take = [&](const std::string& key, const std::string& value) {
    if (key == "host") host = value;
    if (key == "port") port = value;
    if (key == "dbname") db = value;
    if (key == "user") user = value;
  };
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] != "dbname" ||
        (values[i].find('=') == std::string::npos && values[i].find("://") == std::string::npos)) {
      take(keys[i], values[i]);
      continue;
    }
    // A whole conninfo or URI in dbname: only the four keys above are taken from it.
    PQconninfoOption* options = PQconninfoParse(values[i].c_str(), nullptr);
    for (PQconninfoOption* o = options; o && o->keyword; ++o)
      if (o->val && *o->val) take(o->keyword, o->val);
    PQconninfoFree(options);
  }
  return host + (port.empty() ? "" : ":" + port) + "/" + db + (user.empty() ? "" : " as " + user);
}

yard_rc classify(std::string_view sqlstate) {
  if (sqlstate.size() != 5) return YARD_RETRY;  // no server answer: the connection failed
  const std::string_view cls = sqlstate.substr(0, 2);
  if (cls == "08" || cls == "40")
    return YARD_RETRY;  // connection; rollback (serialization,
                        // deadlock)
  if (sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" || sqlstate == "57014")
    return YARD_RETRY;  // admin/crash shutdown, cannot connect now, statement timeout
  if (sqlstate == "53300" || sqlstate == "55P03" || sqlstate == "25P02")
    return YARD_RETRY;  // too many connections, lock not available, aborted transaction
  if (cls == "23" || cls == "22") return YARD_INVALID;  // constraint, data exception
  return YARD_PERMANENT;
}

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    PQclear(r_);
    r_ = std::exchange(o.r_, nullptr);
  }
  return *this;
}

int64_t PgResult::integer(int row, int col) const {
  const char* t = PQgetvalue(r_, row, col);
  if (t == nullptr) return 0;
  if (t[0] == 't' && t[1] == '\0') return 1;  // booleans come back as t / f
  int64_t v = 0;
  std::from_chars(t, t + std::char_traits<char>::length(t), v);
  return v;
}

int64_t PgResult::changed() const {
  const char* t = r_ ? PQcmdTuples(r_) : "";
  int64_t v = 0;
  std::from_chars(t, t + std::char_traits<char>::length(t), v);
  return v;
}

Params& Params::add(const char* text) {
  values_.at(static_cast<size_t>(n_++)) = text;
  return *this;
}

Params& Params::add(int64_t value) {
  std::string& s = ints_.at(static_cast<size_t>(n_));
  s = std::to_string(value);
  values_[static_cast<size_t>(n_++)] = s.c_str();
  return *this;
}

yard_rc PgConnection::open(const ConnectParams& params, std::unique_ptr<PgConnection>& out,
                           yard_error* err) {
  std::vector<const char*> keys, values;
  for (size_t i = 0; i < params.keys.size(); ++i) {
    keys.push_back(params.keys[i].c_str());
    values.push_back(params.values[i].c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) return sdk::fail(err, YARD_RETRY, "out of memory connecting to PostgreSQL");
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string why = oneLine(PQerrorMessage(conn));
    PQfinish(conn);
    // A refused password or unknown database will not heal by itself, but the server being
    // down or starting up will: libpq does not say which, so the message must.
    return sdk::fail(err, YARD_RETRY,
                     "cannot connect to PostgreSQL at " + params.describe() + ": " + why);
  }
  std::unique_ptr<PgConnection> c(new PgConnection(conn));
  if (yard_rc rc = c->exec("SET synchronous_commit = on; SET client_min_messages = warning", err);
      rc != YARD_OK)
    return rc;
  out = std::move(c);
  return YARD_OK;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::inTransaction() const {
  const PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

yard_rc PgConnection::fail(const PGresult* r, std::string_view what, yard_error* err) const {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string why = primary ? oneLine(primary) : oneLine(PQerrorMessage(conn_));
  if (why.empty()) why = "connection to PostgreSQL lost";
  const yard_rc rc = broken() ? YARD_RETRY : classify(state ? state : "");
  return sdk::fail(err, rc,
                   std::string(what) + ": " + why + (state ? std::string(" [") + state + "]" : ""));
}

yard_rc PgConnection::check(PgResult& r, std::string_view what, yard_error* err) const {
  const ExecStatusType st = r.raw() ? PQresultStatus(r.raw()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return YARD_OK;
  return fail(r.raw(), what, err);
}

yard_rc PgConnection::exec(const char* sql, yard_error* err, PgResult* out) {
  PgResult r(PQexec(conn_, sql));
  if (yard_rc rc = check(r, "statement failed", err); rc != YARD_OK) return rc;
  if (out) *out = std::move(r);
  return YARD_OK;
}

yard_rc PgConnection::query(const char* sql, const Params& params, PgResult& out, yard_error* err) {
  out = PgResult(
      PQexecParams(conn_, sql, params.count(), nullptr, params.values(), nullptr, nullptr, 0));
  return check(out, "query failed", err);
}

yard_rc PgConnection::run(Stmt s, const Params& params, PgResult& out, yard_error* err) {
  const size_t i = static_cast<size_t>(s);
  const std::string name = "y" + std::to_string(i);
  if (!prepared_[i]) {
    PgResult p(PQprepare(conn_, name.c_str(), sqlOf(s), 0, nullptr));
    if (yard_rc rc = check(p, "prepare failed", err); rc != YARD_OK) return rc;
    prepared_[i] = true;
  }
  out = PgResult(
      PQexecPrepared(conn_, name.c_str(), params.count(), params.values(), nullptr, nullptr, 0));
  return check(out, "query failed", err);
}

}  // namespace yard::postgres
