// kill -9 durability of the sqlite plugin (the rounds are in crash_rounds.cpp; the postgres
// plugin runs the same rounds in storage_postgres_test.cpp).

#include "crash_rounds.h"
#include "sqlite_backend.h"

TEST_CASE("sqlite: every batch acknowledged before kill -9 survives, whole",
          "[storage][sqlite][durability]") {
  yard::test::SqliteBackend backend;
  yard::test::killWriterRounds(backend);
}
