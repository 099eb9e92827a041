#include "pg_store.h"

#include <string>

#include "pg_backup.h"
#include "pg_schema.h"

namespace yard::postgres {

namespace {

using sdk::fail;

constexpr const char* kBeginWrite = "BEGIN ISOLATION LEVEL READ COMMITTED";
// REPEATABLE READ takes its snapshot at the first statement: SELECT 1 pins it at begin().
constexpr const char* kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1";

// The checks of open() that only read: server version and settings that break durability.
yard_rc checkServer(PgConnection& conn, const sdk::Host& host, yard_error* err) {
  PgResult r;
  if (yard_rc rc = conn.exec("SELECT current_setting('server_version_num')::int, "
                             "current_setting('fsync'), current_setting('full_page_writes')",
                             err, &r);
      rc != YARD_OK)
    return rc;
  if (r.integer(0, 0) < 130000)
    return fail(err, YARD_PERMANENT,
                std::string("PostgreSQL ") + PQparameterStatus(conn.raw(), "server_version") +
                    " is too old: the postgres plugin needs 13 or newer");
  if (std::string(r.text(0, 1)) != "on" || std::string(r.text(0, 2)) != "on")
    host.warn(
        "the server runs with fsync or full_page_writes off: a crash of its machine can "
        "lose writes this node acknowledged");
  return YARD_OK;
}

}  // namespace

PgStore::PgStore(sdk::Host host, StoreOptions options)
    : host_(host),
      options_(std::move(options)),
      pool_(
          [params = options_.connect](std::unique_ptr<PgConnection>& out, yard_error* err) {
            return PgConnection::open(params, out, err);
          },
          options_.pool_size, std::chrono::milliseconds(kPoolWaitMs)) {}

PgStore::~PgStore() { host_.debug("closed " + options_.connect.describe()); }

yard_rc PgStore::open(const sdk::Host& host, std::unique_ptr<PgStore>& out, yard_error* err) {
  StoreOptions options;
  if (yard_rc rc = readOptions(host, options, err); rc != YARD_OK) return rc;
  std::unique_ptr<PgStore> store(new PgStore(host, std::move(options)));
  PgPool::Lease lease;
  if (yard_rc rc = store->pool_.acquire(lease, err); rc != YARD_OK) return rc;
  if (yard_rc rc = checkServer(*lease, host, err); rc != YARD_OK) return rc;
  StoreIdentity identity;
  if (yard_rc rc = identify(*lease, identity, err); rc != YARD_OK) return rc;
  bool created = false;
  if (yard_rc rc = migrate(*lease, host, created, err); rc != YARD_OK) return rc;
  host.info(std::string(created ? "created the store in " : "opened ") +
            store->options_.connect.describe() + " (store format " +
            std::to_string(currentFormat()) + ", pool of " +
            std::to_string(store->options_.pool_size) + ")");
  lease = PgPool::Lease();
  out = std::move(store);
  return YARD_OK;
}

yard_rc PgStore::begin(bool writable, std::unique_ptr<PgTxn>& out, yard_error* err) {
  // Every idle connection may be stale after a restart: one more attempt than the pool holds.
  for (size_t attempt = 0;; ++attempt) {
    PgPool::Lease lease;
    if (yard_rc rc = pool_.acquire(lease, err); rc != YARD_OK) return rc;
    yard_rc rc = lease->exec(writable ? kBeginWrite : kBeginRead, err);
    if (rc == YARD_OK) {
      out = std::make_unique<PgTxn>(std::move(lease), writable);
      return YARD_OK;
    }
    if (!lease->broken() || attempt >= pool_.maxSize()) return rc;
    host_.warn("the connection to PostgreSQL was lost; reconnecting");
    pool_.dropIdle();
  }
}

yard_rc PgStore::check(yard_error* err) {
  PgPool::Lease lease;
  if (yard_rc rc = pool_.acquire(lease, err); rc != YARD_OK) return rc;
  if (yard_rc rc = lease->exec(kBeginRead, err); rc != YARD_OK) return rc;
  auto end = [&](yard_rc rc) {
    (void)lease->exec("ROLLBACK", nullptr);
    return rc;
  };
  StoreIdentity identity;
  if (yard_rc rc = identify(*lease, identity, err); rc != YARD_OK) return end(rc);
  if (identity.format != currentFormat())
    return end(fail(err, YARD_PERMANENT,
                    "the store has format " + std::to_string(identity.format) + ", not " +
                        std::to_string(currentFormat())));
  PgResult r;
  if (yard_rc rc = lease->exec("SELECT (SELECT count(*) FROM records), "
                               "(SELECT coalesce(sum(n), 0)::bigint FROM record_counts)",
                               err, &r);
      rc != YARD_OK)
    return end(rc);
  if (r.integer(0, 0) != r.integer(0, 1))
    return end(fail(err, YARD_PERMANENT,
                    "the store holds " + std::string(r.text(0, 0)) +
                        " records but its record counter says " + r.text(0, 1)));
  host_.info("check passed: " + options_.connect.describe());
  return end(YARD_OK);
}

yard_rc PgStore::backup(const char* target, yard_error* err) {
  PgPool::Lease lease;
  if (yard_rc rc = pool_.acquire(lease, err); rc != YARD_OK) return rc;
  if (target[0] == '/') {
    yard_rc rc = backupToFile(*lease, target, host_, err);
    if (rc == YARD_OK) host_.info(std::string("backup written to ") + target);
    return rc;
  }
  ConnectParams to;
  to.keys = {"connect_timeout", "application_name", "dbname"};
  to.values = {"5", "yard-gateway backup", target};
  yard_rc rc = backupTo(*lease, to, host_, err);
  if (rc == YARD_OK) host_.info("backup written to " + to.describe());
  return rc;
}

}  // namespace yard::postgres
