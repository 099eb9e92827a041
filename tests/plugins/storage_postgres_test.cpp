// The postgres storage plugin: the conformance suite, plus what only a shared server has:
// several stores (hub processes) deciding the same records at once, a change feed that never
// skips a seq whatever order transactions commit in, reconnecting after the server restarts or
// crashes without losing an acknowledged commit, migrations and config keys.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "conformance_cases.h"
#include "crash_rounds.h"
#include "postgres_backend.h"

using yard::Code;
using yard::store::RecordRow;
using yard::test::beginTxn;
using yard::test::openStore;
using yard::test::PostgresBackend;
using yard::test::putCommitted;
using yard::test::recordRow;
using yard::test::sharedCluster;
using yard::test::valueOf;

YARD_STORAGE_CONFORMANCE_TESTS("postgres", [] { return std::make_unique<PostgresBackend>(); })

namespace {

using Config = std::map<std::string, std::string>;

// A store opened on the backend's database as another hub process would open it: its own
// host and data dir.
struct OtherStore {
  yard::test::TempDir dir;
  std::unique_ptr<yard::plugin::PluginHost> host;
  std::unique_ptr<yard::store::Store> store;

  explicit OtherStore(PostgresBackend& b)
      : host(
            std::make_unique<yard::plugin::PluginHost>("storage.postgres", b.config(), dir.path())),
        store(valueOf(yard::store::Store::open(yard::test::postgresPlugin(), *host))) {}
};

// Two hub processes' stores on one fresh database.
struct TwoStores {
  PostgresBackend b;
  std::unique_ptr<yard::store::Store> one_store = openStore(b);
  OtherStore other{b};
  yard::store::Store& one = *one_store;
  yard::store::Store& two = *other.store;
};

// What a hub does with one incoming write, in miniature: read the record (locking it), keep
// the greater stamp, audit the loser. Returns the store's status (RETRY when it must run again).
yard::Status decide(yard::store::Store& s, const std::string& id, const std::string& stamp,
                    const std::string& write_id) {
  auto txn = s.begin(true);
  if (!txn.isOk()) return txn.status();
  auto current = txn->getRecord(id);
  if (!current.isOk()) return current.status();
  const RecordRow mine = recordRow(id, stamp, "{\"w\":\"" + write_id + "\"}");
  if (current->has_value() && (*current)->stamp > stamp) {
    auto a = txn->addAudit({0, id, write_id, mine.doc, (*current)->doc, 1, false});
    if (!a.isOk()) return a.status();
  } else {
    if (current->has_value()) {
      const std::string loser = (*current)->doc.substr(6, (*current)->doc.size() - 8);
      auto a = txn->addAudit({0, id, loser, (*current)->doc, mine.doc, 1, false});
      if (!a.isOk()) return a.status();
    }
    auto put = txn->putRecord(mine);
    if (!put.isOk()) return put.status();
  }
  return txn->commit();
}

std::vector<RecordRow> pullAll(yard::store::Store& s, int64_t after = 0) {
  auto read = beginTxn(s, false);
  std::vector<RecordRow> rows;
  YARD_REQUIRE_OK(read.changes(after, 1 << 20, [&](const RecordRow& r) {
    rows.push_back(r);
    return true;
  }));
  return rows;
}

}  // namespace

TEST_CASE(
    "postgres: two stores deciding the same records keep the greatest stamp, audit "
    "each loser once",
    "[storage][postgres][lww]") {
  TwoStores stores;
  yard::store::Store &one = stores.one, &two = stores.two;

  constexpr int kRecords = 5, kWritesPerRecord = 12;
  // Every write: (record, stamp, write id); stamps distinct, shuffled, half to each store.
  struct W {
    std::string id, stamp, write_id;
  };
  std::vector<W> writes;
  for (int r = 0; r < kRecords; ++r)
    for (int w = 0; w < kWritesPerRecord; ++w) {
      char stamp[32];
      std::snprintf(stamp, sizeof stamp, "%016d-0000-hub", 1000 + w * 7 + r);
      writes.push_back(
          {"rec-" + std::to_string(r), stamp, "w-" + std::to_string(r) + "-" + std::to_string(w)});
    }
  std::shuffle(writes.begin(), writes.end(), std::mt19937(std::random_device{}()));

  std::atomic<int> retries{0};
  std::mutex failed_mu;
  std::string failed;
  auto worker = [&](yard::store::Store& s, size_t from) {
    for (size_t i = from; i < writes.size(); i += 2)
      for (;;) {
        const yard::Status st = decide(s, writes[i].id, writes[i].stamp, writes[i].write_id);
        if (st.isOk()) break;
        if (st.code() != Code::kRetry) {
          std::lock_guard lock(failed_mu);
          failed = st.message();
          return;
        }
        ++retries;
      }
  };
  std::thread a(worker, std::ref(one), 0), c(worker, std::ref(two), 1);
  a.join();
  c.join();
  INFO(failed);
  REQUIRE(failed.empty());

  auto read = beginTxn(one, false);
  auto audit = valueOf(read.listAudit(0, 1000));
  std::multiset<std::string> audited;
  for (const auto& row : audit) audited.insert(row.write_id);
  for (int r = 0; r < kRecords; ++r) {
    std::string greatest;
    for (const auto& w : writes)
      if (w.id == "rec-" + std::to_string(r) && w.stamp > greatest) greatest = w.stamp;
    auto got = valueOf(read.getRecord("rec-" + std::to_string(r)));
    REQUIRE(got.has_value());
    CHECK(got->stamp == greatest);
  }
  // Exactly one audit row per losing write, none for a winner.
  CHECK(audit.size() == writes.size() - kRecords);
  for (const auto& w : writes) {
    auto kept = valueOf(read.getRecord(w.id));
    CHECK(audited.count(w.write_id) == (kept->stamp == w.stamp ? 0u : 1u));
  }
  CHECK(valueOf(read.countRecords()) == kRecords);
  YARD_REQUIRE_OK(one.check());
  WARN("transactions run again after a concurrent create: " << retries.load());
}

TEST_CASE("postgres: a record created by another store after it was read as absent is a RETRY",
          "[storage][postgres][lww]") {
  TwoStores stores;
  yard::store::Store &one = stores.one, &two = stores.two;

  auto late = beginTxn(two, true);
  CHECK_FALSE(valueOf(late.getRecord("r-1")).has_value());
  (void)putCommitted(one, recordRow("r-1", "0002-a"));
  auto put = late.putRecord(recordRow("r-1", "0001-b"));
  CHECK(put.status().code() == Code::kRetry);
  CHECK_THAT(put.status().message(), Catch::Contains("r-1"));
  late.rollback();

  auto read = beginTxn(two, false);
  CHECK(valueOf(read.getRecord("r-1"))->stamp == "0002-a");
}

TEST_CASE("postgres: a writable read waits for the other store's decision and sees it",
          "[storage][postgres][lww]") {
  TwoStores stores;
  yard::store::Store &one = stores.one, &two = stores.two;
  (void)putCommitted(one, recordRow("r-1", "0001-a"));

  auto first = beginTxn(one, true);
  REQUIRE(valueOf(first.getRecord("r-1"))->stamp == "0001-a");
  std::atomic<bool> committed{false};
  std::string seen;
  bool seen_after_commit = false;
  std::thread second([&] {
    auto txn = two.begin(true);
    if (!txn.isOk()) return;
    auto r = txn->getRecord("r-1");  // blocks on the row lock
    seen_after_commit = committed.load();
    if (r.isOk() && r->has_value()) seen = (*r)->stamp;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  (void)valueOf(first.putRecord(recordRow("r-1", "0005-a")));
  committed = true;
  YARD_REQUIRE_OK(first.commit());
  second.join();
  CHECK(seen_after_commit);
  CHECK(seen == "0005-a");
}

TEST_CASE(
    "postgres: the change feed shows a later commit only once every earlier "
    "transaction has ended",
    "[storage][postgres][changes]") {
  TwoStores stores;
  yard::store::Store &one = stores.one, &two = stores.two;

  auto slow = beginTxn(one, true);
  (void)valueOf(slow.putRecord(recordRow("early", "s")));  // allocates its seq first
  const int64_t late_seq = putCommitted(two, recordRow("late", "s"));
  // "late" is committed but "early" could still commit below it: a reader must not see "late"
  // yet, or its cursor would pass over "early".
  CHECK(pullAll(two).empty());
  YARD_REQUIRE_OK(slow.commit());
  auto rows = pullAll(two);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id == "early");
  CHECK(rows[1].id == "late");
  CHECK(rows[1].seq == late_seq);
  CHECK(rows[0].seq < rows[1].seq);
}

TEST_CASE("postgres: concurrent writers on two stores, a reader paging the feed misses nothing",
          "[storage][postgres][changes]") {
  TwoStores stores;
  yard::store::Store &one = stores.one, &two = stores.two;

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  auto writer = [&](yard::store::Store& s, const std::string& prefix) {
    std::mt19937 rng(std::random_device{}());
    for (int batch = 0; batch < 60 && failures == 0; ++batch) {
      auto txn = s.begin(true);
      if (!txn.isOk()) return void(++failures);
      for (int i = 0; i < 3; ++i) {
        // Rewrites of a small id space move records to the end of the feed over and over.
        const std::string id = prefix + std::to_string(rng() % 20);
        if (!txn->putRecord(recordRow(id, prefix + std::to_string(batch))).isOk())
          return void(++failures);
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
      }
      if (!txn->commit().isOk()) return void(++failures);
    }
  };
  std::map<std::string, std::string> pulled;  // id -> stamp last pulled
  int64_t cursor = 0;
  std::thread w1(writer, std::ref(one), "a"), w2(writer, std::ref(two), "b");
  std::thread done([&] {
    w1.join();
    w2.join();
    stop = true;
  });
  for (bool last = false; !last;) {
    last = stop.load();
    for (const auto& r : pullAll(one, cursor)) {
      CHECK(r.seq > cursor);
      cursor = r.seq;
      pulled[r.id] = r.stamp;
    }
  }
  done.join();
  REQUIRE(failures == 0);
  // Everything after the writers stopped: what the pulls saw is what the database holds.
  for (const auto& r : pullAll(one, cursor)) pulled[r.id] = r.stamp;
  std::map<std::string, std::string> stored;
  for (const auto& r : pullAll(two)) stored[r.id] = r.stamp;
  CHECK(pulled == stored);
  CHECK(stored.size() == 40);
}

TEST_CASE(
    "postgres: a server restart or crash costs the transactions in flight, nothing "
    "committed, and the store reconnects by itself",
    "[storage][postgres][restart]") {
  PostgresBackend b;
  auto s = openStore(b);
  (void)putCommitted(*s, recordRow("before", "s"));
  const bool crash = GENERATE(false, true);
  INFO((crash ? "kill -9 of the postmaster" : "fast shutdown"));

  auto open_txn = beginTxn(*s, true);
  (void)valueOf(open_txn.putRecord(recordRow("in-flight", "s")));
  if (crash)
    sharedCluster().kill9();
  else
    sharedCluster().stopFast();
  // A fast shutdown ends the transaction in flight; after a kill -9 its backend may still
  // commit before it notices the postmaster is gone. Either way commit() tells the truth.
  const yard::Status committed = open_txn.commit();
  if (!crash) CHECK(committed.code() == Code::kRetry);
  CHECK((committed.isOk() || committed.code() == Code::kRetry));
  if (!crash) CHECK(s->begin(true).status().code() == Code::kRetry);

  sharedCluster().start();
  // Same store object: the stale connections are replaced on first use.
  const int64_t seq = putCommitted(*s, recordRow("after", "s"));
  CHECK(seq > 0);
  auto read = beginTxn(*s, false);
  CHECK(valueOf(read.getRecord("before")).has_value());
  CHECK(valueOf(read.getRecord("after")).has_value());
  CHECK(valueOf(read.getRecord("in-flight")).has_value() == committed.isOk());
  CHECK(valueOf(read.countRecords()) == (committed.isOk() ? 3 : 2));
}

TEST_CASE("postgres: every commit acknowledged before the server is killed survives",
          "[storage][postgres][durability]") {
  PostgresBackend b;
  auto s = openStore(b);
  std::atomic<int64_t> acknowledged{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int64_t batch = 1; !stop;) {
      auto txn = s->begin(true);
      if (!txn.isOk()) continue;  // the server is down: try again, as the host's clients do
      bool ok = true;
      for (int i = 0; i < 5 && ok; ++i)
        ok = txn->putRecord(recordRow("b" + std::to_string(batch) + "-" + std::to_string(i), "s"))
                 .isOk();
      ok = ok && txn->putMeta("last_batch", std::to_string(batch)).isOk();
      if (ok && txn->commit().isOk()) acknowledged = batch++;
    }
  });
  while (acknowledged < 50) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  sharedCluster().kill9();
  const int64_t acked_at_kill = acknowledged;
  sharedCluster().start();
  while (acknowledged < acked_at_kill + 20)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop = true;
  writer.join();

  auto read = beginTxn(*s, false);
  const int64_t last = std::stoll(*valueOf(read.getMeta("last_batch")));
  CHECK(last >= acknowledged);
  CHECK(valueOf(read.countRecords()) == last * 5);
  for (int64_t batch = 1; batch <= acknowledged; ++batch)
    REQUIRE(valueOf(read.getRecord("b" + std::to_string(batch) + "-4")).has_value());
  YARD_REQUIRE_OK(s->check());
}

TEST_CASE("postgres: every batch acknowledged before a writer's kill -9 survives, whole",
          "[storage][postgres][durability]") {
  PostgresBackend b;
  yard::test::killWriterRounds(b);
}

TEST_CASE(
    "postgres: migrations are recorded; two stores opening an empty database at once "
    "create it once",
    "[storage][postgres][schema]") {
  PostgresBackend b;
  std::unique_ptr<OtherStore> other;
  std::thread t([&] { other = std::make_unique<OtherStore>(b); });
  auto one = openStore(b);
  t.join();
  REQUIRE(other != nullptr);
  CHECK(sharedCluster().query(b.database(), "SELECT count(*) FROM schema_migrations") == "1");
  CHECK(sharedCluster().query(b.database(), "SELECT value FROM store_meta WHERE key = 'plugin'") ==
        "postgres");
}

TEST_CASE("postgres: refuses a database holding someone else's tables",
          "[storage][postgres][schema]") {
  PostgresBackend b;
  sharedCluster().query(b.database(), "CREATE TABLE invoices(id int)");
  auto s = b.open();
  REQUIRE_FALSE(s.isOk());
  CHECK(s.status().code() == Code::kPermanent);
  CHECK_THAT(s.status().message(), Catch::Contains("not a yard-gateway store"));
  CHECK(sharedCluster().query(b.database(),
                              "SELECT count(*) FROM pg_tables WHERE "
                              "schemaname = 'public'") == "1");
}

TEST_CASE("postgres: config keys are checked, and no password reaches a message",
          "[storage][postgres][config]") {
  {
    PostgresBackend b(Config{{"pool_size", "0"}});
    auto s = b.open();
    REQUIRE_FALSE(s.isOk());
    CHECK_THAT(s.status().message(), Catch::Contains("pool_size"));
  }
  {
    PostgresBackend b(Config{{"password_file", "/nonexistent/pw"}});
    auto s = b.open();
    REQUIRE_FALSE(s.isOk());
    CHECK(s.status().code() == Code::kInvalid);
    CHECK_THAT(s.status().message(), Catch::Contains("password_file"));
  }
  {
    // Nothing listens on port 1: the server is unreachable, which may pass (RETRY).
    PostgresBackend b(Config{{"dsn", "host=127.0.0.1 port=1 user=yard password=hunter2"}});
    auto s = b.open();
    REQUIRE_FALSE(s.isOk());
    CHECK(s.status().code() == Code::kRetry);
    CHECK_THAT(s.status().message(), !Catch::Contains("hunter2"));
  }
}

TEST_CASE("postgres: a file backup (the admin API's download) restores with psql",
          "[storage][postgres][backup]") {
  PostgresBackend b;
  auto s = openStore(b);
  {
    auto txn = beginTxn(*s, true);
    for (int i = 0; i < 30; ++i)
      (void)valueOf(txn.putRecord(recordRow("r-" + std::to_string(i), "s", R"({"tab":"a\tb"})")));
    (void)valueOf(txn.addAudit({0, "r-1", "w-1", "{}", "{}", 5, false}));
    YARD_REQUIRE_OK(txn.putDevice({"dev-a", "site-1", "op", false, "h", false, 1, "{}"}));
    YARD_REQUIRE_OK(txn.putMeta("hlc", "42"));
    YARD_REQUIRE_OK(txn.commit());
  }
  yard::test::TempDir dir;
  const std::string file = dir.file("backup.sql");
  YARD_REQUIRE_OK(s->backup(file));
  const std::string restored = sharedCluster().createDatabase("restored");
  sharedCluster().runScript(restored, file);

  PostgresBackend copy_backend(Config{{"dsn", sharedCluster().conninfo(restored)}});
  auto copy = openStore(copy_backend);
  YARD_REQUIRE_OK(copy->check());
  auto read = beginTxn(*copy, false);
  CHECK(valueOf(read.countRecords()) == 30);
  CHECK(valueOf(read.getRecord("r-7"))->doc == R"({"tab":"a\tb"})");
  CHECK(valueOf(read.listAudit(0, 10)).size() == 1);
  CHECK(valueOf(read.deviceByToken("h")).has_value());
  CHECK(valueOf(read.getMeta("hlc")) == std::optional<std::string>("42"));
  read.rollback();
  // The restored store goes on: new audit ids and seqs above the copied ones.
  auto txn = beginTxn(*copy, true);
  CHECK(valueOf(txn.addAudit({0, "r-2", "w-2", "{}", "{}", 6, false})) > 1);
  YARD_REQUIRE_OK(txn.commit());
}
