// The sqlite storage plugin: the conformance suite, plus what is specific to SQLite (the file,
// its pragmas, config keys, refusing foreign or damaged files, the connection pool).

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "conformance_cases.h"
#include "sqlite_backend.h"

using yard::Code;
using yard::test::beginTxn;
using yard::test::openStore;
using yard::test::putCommitted;
using yard::test::recordRow;
using yard::test::SqliteBackend;
using yard::test::valueOf;

YARD_STORAGE_CONFORMANCE_TESTS("sqlite", [] { return std::make_unique<SqliteBackend>(); })

namespace {

using Config = std::map<std::string, std::string>;

// The first column of the first row of sql on the file at path ("" when no row).
std::string queryRaw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr)
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

yard::Status openStatus(SqliteBackend& b) {
  auto s = b.open();
  return s.isOk() ? yard::Status::ok() : s.status();
}

}  // namespace

TEST_CASE("sqlite: the file is WAL, tagged with plugin and format", "[storage][sqlite]") {
  SqliteBackend b;
  { auto s = openStore(b); }
  REQUIRE(std::filesystem::exists(b.dbPath()));  // default dsn: <data_dir>/yard.db
  CHECK(queryRaw(b.dbPath(), "PRAGMA journal_mode") == "wal");
  CHECK(queryRaw(b.dbPath(), "PRAGMA user_version") == "3");
  CHECK(queryRaw(b.dbPath(), "SELECT value FROM store_meta WHERE key = 'plugin'") == "sqlite");
  CHECK(queryRaw(b.dbPath(), "SELECT value FROM store_meta WHERE key = 'format'") == "3");
  // Reopening an up-to-date store changes nothing.
  { auto s = openStore(b); }
  CHECK(queryRaw(b.dbPath(), "SELECT count(*) FROM store_meta") == "3");
}

TEST_CASE("sqlite: migrates an older store in place, keeping its data", "[storage][sqlite]") {
  SqliteBackend b;
  {
    auto s = openStore(b);
    (void)putCommitted(*s, recordRow("r-1", "s1"));
  }
  // Turn the file back into a format-1 store: format 2 added the outbox, format 3 the
  // attachment tables.
  b.execRaw(b.dbPath(),
            "DROP TABLE outbox; DROP TABLE blobs; DROP TABLE blob_refs; DROP TABLE uploads; "
            "PRAGMA user_version = 1; UPDATE store_meta SET value = '1' WHERE key = 'format'");
  auto s = openStore(b);
  CHECK(queryRaw(b.dbPath(), "PRAGMA user_version") == "3");
  CHECK(queryRaw(b.dbPath(), "SELECT value FROM store_meta WHERE key = 'format'") == "3");
  auto txn = beginTxn(*s, true);
  CHECK(valueOf(txn.getRecord("r-1")).has_value());
  YARD_REQUIRE_OK(txn.putOutbox({"r-1", "s1", "", 1}));
  YARD_REQUIRE_OK(txn.putBlob({std::string(64, 'a'), 1, "image/png", 1, 0, true}));
  YARD_REQUIRE_OK(txn.commit());
  YARD_REQUIRE_OK(s->check());
}

TEST_CASE("sqlite: a format-2 store (before attachments) migrates to 3 in place",
          "[storage][sqlite]") {
  SqliteBackend b;
  {
    auto s = openStore(b);
    (void)putCommitted(*s, recordRow("r-1", "s1"));
    auto txn = beginTxn(*s, true);
    YARD_REQUIRE_OK(txn.putOutbox({"r-1", "s1", "", 1}));
    YARD_REQUIRE_OK(txn.commit());
  }
  b.execRaw(b.dbPath(),
            "DROP TABLE blobs; DROP TABLE blob_refs; DROP TABLE uploads; "
            "PRAGMA user_version = 2; UPDATE store_meta SET value = '2' WHERE key = 'format'");
  auto s = openStore(b);
  CHECK(queryRaw(b.dbPath(), "PRAGMA user_version") == "3");
  auto txn = beginTxn(*s, true);
  CHECK(valueOf(txn.getRecord("r-1")).has_value());
  CHECK(valueOf(txn.listOutbox(10)).size() == 1);
  YARD_REQUIRE_OK(txn.putUpload({"u", std::string(64, 'b'), 10, 0, "x/y", "d", 1, 1}));
  YARD_REQUIRE_OK(txn.commit());
  YARD_REQUIRE_OK(s->check());
}

TEST_CASE("sqlite: config keys are validated", "[storage][sqlite]") {
  for (const char* bad : {"0", "abc", "2000", "4mb", ""}) {
    SqliteBackend b(Config{{"cache_mb", bad}});
    const yard::Status st = openStatus(b);
    INFO(bad);
    CHECK(st.code() == Code::kInvalid);
    CHECK_THAT(st.message(), Catch::Contains("cache_mb"));
  }
  SqliteBackend relative(Config{{"dsn", "sub.db"}, {"cache_mb", "1"}});
  { auto s = openStore(relative); }
  CHECK(std::filesystem::exists(relative.dir().file("sub.db")));  // relative to data_dir

  yard::test::TempDir elsewhere;
  SqliteBackend absolute(Config{{"dsn", elsewhere.file("abs.db")}});
  { auto s = openStore(absolute); }
  CHECK(std::filesystem::exists(elsewhere.file("abs.db")));

  SqliteBackend missing(Config{{"dsn", "/nonexistent-dir-yard/x.db"}});
  const yard::Status st = openStatus(missing);
  CHECK(st.code() == Code::kPermanent);
  CHECK_THAT(st.message(), Catch::Contains("/nonexistent-dir-yard/x.db"));
}

TEST_CASE("sqlite: refuses files that are not its stores, without touching them",
          "[storage][sqlite]") {
  SECTION("an unrelated SQLite database") {
    SqliteBackend b;
    { std::ofstream(b.dbPath()).flush(); }
    b.execRaw(b.dbPath(), "CREATE TABLE invoices(id INTEGER PRIMARY KEY)");
    const yard::Status st = openStatus(b);
    CHECK(st.code() == Code::kPermanent);
    CHECK_THAT(st.message(), Catch::Contains("not a yard-gateway store"));
    CHECK(queryRaw(b.dbPath(), "PRAGMA journal_mode") == "delete");  // not switched to WAL
  }
  SECTION("a file that is not a database") {
    SqliteBackend b;
    std::ofstream(b.dbPath()) << std::string(8192, 'x');
    const yard::Status st = openStatus(b);
    CHECK(st.code() == Code::kPermanent);
    CHECK_THAT(st.message(), Catch::Contains(b.dbPath()));
  }
}

TEST_CASE("sqlite: refuses a damaged store at open; check() finds broken invariants",
          "[storage][sqlite]") {
  SqliteBackend b;
  {
    auto s = openStore(b);
    auto txn = beginTxn(*s, true);
    for (int i = 0; i < 400; ++i)
      (void)valueOf(txn.putRecord(recordRow("r-" + std::to_string(i), "s", std::string(600, 'd'))));
    YARD_REQUIRE_OK(txn.commit());
  }
  SECTION("check() compares the record counter with the records") {
    b.execRaw(b.dbPath(), "UPDATE counters SET value = 7 WHERE name = 'records'");
    auto s = openStore(b);
    const yard::Status st = s->check();
    CHECK(st.code() == Code::kPermanent);
    CHECK_THAT(st.message(), Catch::Contains("400"));
  }
  SECTION("quick_check at open refuses garbage in a table page") {
    const auto size = std::filesystem::file_size(b.dbPath());
    REQUIRE(size > 40 * 4096);
    {
      std::fstream f(b.dbPath(), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(20 * 4096);  // a page in the middle of the records table
      const std::string junk(4096, '\xA5');
      f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    const yard::Status st = openStatus(b);
    CHECK(st.code() == Code::kPermanent);
    CHECK_THAT(st.message(), Catch::Contains(b.dbPath()));
  }
}

TEST_CASE("sqlite: backup refuses to overwrite the live database", "[storage][sqlite]") {
  SqliteBackend b;
  auto s = openStore(b);
  CHECK(s->backup(b.dbPath()).code() == Code::kInvalid);
  YARD_REQUIRE_OK(s->check());
}

TEST_CASE("sqlite: many concurrent readers share the pool with a writer", "[storage][sqlite]") {
  SqliteBackend b;
  auto s = openStore(b);
  (void)putCommitted(*s, recordRow("r-0", "s"));
  // More reader threads than pooled reader connections: the extra ones wait their turn.
  std::atomic<int> failures{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 8; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        auto txn = s->begin(false);
        if (!txn.isOk()) {
          ++failures;
          continue;
        }
        auto n = txn->countRecords();
        auto r = txn->getRecord("r-0");
        if (!n.isOk() || !r.isOk() || !r->has_value() || n.value() < 1) ++failures;
      }
    });
  }
  for (int i = 1; i <= 100; ++i) (void)putCommitted(*s, recordRow("r-" + std::to_string(i), "s"));
  stop = true;
  for (auto& t : readers) t.join();
  CHECK(failures == 0);
  auto read = beginTxn(*s, false);
  CHECK(valueOf(read.countRecords()) == 101);
}
