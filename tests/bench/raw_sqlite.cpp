#include "raw_sqlite.h"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace yard::bench {
namespace {

void check(sqlite3* db, int code, const char* what) {
  if (code != SQLITE_OK && code != SQLITE_DONE && code != SQLITE_ROW)
    throw std::runtime_error(std::string("raw sqlite: ") + what + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const char* sql) {
  check(db, sqlite3_exec(db, sql, nullptr, nullptr, nullptr), sql);
}

}  // namespace

RawInsertResult rawDurableInsert(const std::string& path, const std::vector<RawRecord>& rows,
                                 size_t batch) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    sqlite3_close_v2(db);
    throw std::runtime_error("raw sqlite: cannot create " + path);
  }
  RawInsertResult result;
  sqlite3_stmt* insert = nullptr;
  try {
    // The plugin's settings: WAL, FULL (every COMMIT fsyncs the WAL), a 4 MiB page cache, no mmap.
    exec(db,
         "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -4096;"
         " PRAGMA mmap_size = 0;");
    exec(db,
         "CREATE TABLE records(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
         " site TEXT NOT NULL, type TEXT NOT NULL, stamp TEXT NOT NULL, doc TEXT NOT NULL) STRICT");
    check(db,
          sqlite3_prepare_v2(db,
                             "INSERT INTO records(id, site, type, stamp, doc) "
                             "VALUES(?1, ?2, ?3, ?4, ?5)",
                             -1, &insert, nullptr),
          "prepare");
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < rows.size();) {
      exec(db, "BEGIN IMMEDIATE");
      for (size_t end = std::min(rows.size(), i + batch); i < end; ++i) {
        const RawRecord& r = rows[i];
        sqlite3_bind_text(insert, 1, r.id.c_str(), static_cast<int>(r.id.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert, 2, r.site.c_str(), static_cast<int>(r.site.size()),
                          SQLITE_STATIC);
        sqlite3_bind_text(insert, 3, r.type.c_str(), static_cast<int>(r.type.size()),
                          SQLITE_STATIC);
        sqlite3_bind_text(insert, 4, r.stamp.c_str(), static_cast<int>(r.stamp.size()),
                          SQLITE_STATIC);
        sqlite3_bind_text(insert, 5, r.doc.c_str(), static_cast<int>(r.doc.size()), SQLITE_STATIC);
        check(db, sqlite3_step(insert), "insert");
        sqlite3_reset(insert);
      }
      exec(db, "COMMIT");
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.rows = rows.size();
  } catch (...) {
    sqlite3_finalize(insert);
    sqlite3_close_v2(db);
    throw;
  }
  sqlite3_finalize(insert);
  sqlite3_close_v2(db);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return result;
}

}  // namespace yard::bench
