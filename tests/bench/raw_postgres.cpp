#include "raw_postgres.h"

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace yard::bench {

namespace {

using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

Conn connect(const std::string& conninfo) {
  Conn c(PQconnectdb(conninfo.c_str()), PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string("raw postgres: ") + PQerrorMessage(c.get()));
  return c;
}

void exec(PGconn* c, const char* sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c, sql), PQclear);
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK && PQresultStatus(r.get()) != PGRES_TUPLES_OK)
    throw std::runtime_error(std::string("raw postgres: ") + sql + ": " + PQerrorMessage(c));
}

// One client's share: rows [from, rows.size()) stepping by `step`, batch per transaction.
void insertShare(PGconn* c, const std::vector<RawRecord>& rows, size_t from, size_t step,
                 size_t batch, int64_t seq_base) {
  size_t in_txn = 0;
  for (size_t i = from; i < rows.size(); i += step) {
    if (in_txn == 0) exec(c, "BEGIN");
    const RawRecord& r = rows[i];
    const std::string seq = std::to_string(seq_base + static_cast<int64_t>(i));
    const char* values[] = {r.id.c_str(),    r.site.c_str(), r.type.c_str(),
                            r.stamp.c_str(), seq.c_str(),    r.doc.c_str()};
    std::unique_ptr<PGresult, decltype(&PQclear)> res(
        PQexecPrepared(c, "ins", 6, values, nullptr, nullptr, 0), PQclear);
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK)
      throw std::runtime_error(std::string("raw postgres insert: ") + PQerrorMessage(c));
    if (++in_txn == batch) {
      exec(c, "COMMIT");
      in_txn = 0;
    }
  }
  if (in_txn > 0) exec(c, "COMMIT");
}

}  // namespace

RawInsertResult rawPostgresInsert(const std::string& conninfo, const std::vector<RawRecord>& rows,
                                  size_t batch, size_t connections) {
  Conn setup = connect(conninfo);
  exec(setup.get(),
       "CREATE TABLE raw_records(id text COLLATE \"C\" PRIMARY KEY, site text NOT NULL, "
       "type text NOT NULL, stamp text COLLATE \"C\" NOT NULL, seq bigint NOT NULL, "
       "doc text NOT NULL); CREATE UNIQUE INDEX raw_records_seq ON raw_records(seq)");
  std::vector<Conn> conns;
  for (size_t i = 0; i < connections; ++i) {
    conns.push_back(connect(conninfo));
    exec(conns.back().get(), "SET synchronous_commit = on");
    std::unique_ptr<PGresult, decltype(&PQclear)> p(
        PQprepare(conns.back().get(), "ins",
                  "INSERT INTO raw_records(id, site, type, stamp, seq, doc) "
                  "VALUES($1, $2, $3, $4, $5, $6)",
                  6, nullptr),
        PQclear);
    if (PQresultStatus(p.get()) != PGRES_COMMAND_OK)
      throw std::runtime_error(std::string("raw postgres prepare: ") +
                               PQerrorMessage(conns.back().get()));
  }
  std::vector<std::string> errors(connections);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (size_t i = 0; i < connections; ++i)
    clients.emplace_back([&, i] {
      try {
        insertShare(conns[i].get(), rows, i, connections, batch, 1);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (auto& t : clients) t.join();
  RawInsertResult result;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.rows = rows.size();
  for (const auto& e : errors)
    if (!e.empty()) throw std::runtime_error(e);
  exec(setup.get(), "DROP TABLE raw_records");
  return result;
}

}  // namespace yard::bench
