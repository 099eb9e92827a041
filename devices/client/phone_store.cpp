#include "client/phone_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>

#include "client/sqlite_statement.h"
#include "core/iso_time.h"
#include "core/uuid.h"
#include "core/wall_clock.h"

namespace yard::device {
namespace {

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records(
  id TEXT PRIMARY KEY,
  canonical TEXT,
  local TEXT,
  write_id TEXT NOT NULL DEFAULT '',
  base TEXT NOT NULL DEFAULT '',
  pending INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS records_pending ON records(pending) WHERE pending = 1;
CREATE TABLE IF NOT EXISTS notices(
  notice TEXT PRIMARY KEY,
  record TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL,
  raw TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blobs(
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mime TEXT NOT NULL,
  name TEXT NOT NULL,
  upload TEXT NOT NULL DEFAULT '',
  confirmed_at INTEGER NOT NULL DEFAULT 0,
  evicted INTEGER NOT NULL DEFAULT 0,
  captured_at INTEGER NOT NULL);
)";

// Workflow states after which a record is no longer work to do.
bool finished(const core::Record& r) {
  const std::string status = r.body.value("status", "");
  return status == "submitted" || (r.type == "interchange" && status == "signed");
}

std::optional<core::Record> parseRecord(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto json = core::Json::parse(text, nullptr, false);
  if (json.is_discarded()) return std::nullopt;
  auto record = core::recordFromJson(json);
  if (!record.isOk()) return std::nullopt;
  return std::move(record.value());
}

}  // namespace

std::string newUuid() { return core::newUuidV7(); }

Result<std::unique_ptr<PhoneStore>> PhoneStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::permanent("cannot open " + path + ": " + message);
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<PhoneStore> store(new PhoneStore(db, path + ".blobs"));
  // FULL: a commit is on disk (WAL fsync'd) before the call that made it returns.
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", kSchema})
    if (Status s = store->exec(sql); !s.isOk()) return s;
  return store;
}

PhoneStore::~PhoneStore() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

sqlite3_stmt* PhoneStore::prepare(const char* sql) {
  for (auto& [text, stmt] : statements_)
    if (text == sql) return stmt;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) return nullptr;
  statements_.emplace_back(sql, stmt);
  return stmt;
}

Status PhoneStore::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) == SQLITE_OK) return Status::ok();
  std::string message = error ? error : "unknown error";
  sqlite3_free(error);
  return Status::retry(std::string("phone store: ") + message);
}

Status PhoneStore::fail(const char* what) {
  return Status::retry(std::string("phone store: ") + what + ": " + sqlite3_errmsg(db_));
}

std::optional<std::string> PhoneStore::meta(const char* key) {
  Statement st(prepare("SELECT value FROM meta WHERE key = ?"));
  st.bind(std::string(key));
  if (st.step() != SQLITE_ROW) return std::nullopt;
  return st.text(0);
}

Status PhoneStore::setMeta(const char* key, const std::string& value) {
  Statement st(
      prepare("INSERT INTO meta(key, value) VALUES(?, ?) "
              "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  st.bind(std::string(key)).bind(value);
  return st.step() == SQLITE_DONE ? Status::ok() : fail("meta");
}

Status PhoneStore::setIdentity(const PhoneIdentity& identity) {
  for (const std::string* id : {&identity.device, &identity.site})
    if (!core::isValidId(*id)) return Status::invalid("device and site must be valid ids");
  if (!identity.operator_id.empty() && !core::isValidId(identity.operator_id))
    return Status::invalid("operator must be a valid id");
  std::lock_guard lock(mu_);
  Txn txn(*this);
  if (!txn.begun()) return fail("begin");
  for (auto [key, value] :
       {std::pair{"device", &identity.device}, std::pair{"site", &identity.site},
        std::pair{"operator", &identity.operator_id}})
    if (Status s = setMeta(key, *value); !s.isOk()) return s;
  return txn.commit();
}

Result<PhoneIdentity> PhoneStore::identity() {
  std::lock_guard lock(mu_);
  auto device = meta("device");
  if (!device) return Status::notFound("this phone database has no identity yet (run init)");
  return PhoneIdentity{*device, meta("site").value_or(""), meta("operator").value_or("")};
}

std::optional<LocalRow> PhoneStore::loadRow(const std::string& id) {
  Statement st(prepare("SELECT canonical, local, write_id, base FROM records WHERE id = ?"));
  st.bind(id);
  if (st.step() != SQLITE_ROW) return std::nullopt;
  LocalRow row;
  row.canonical = parseRecord(st.text(0));
  row.local = parseRecord(st.text(1));
  row.write_id = st.text(2);
  row.base = st.text(3);
  return row;
}

Status PhoneStore::saveRow(const std::string& id, const LocalRow& row) {
  if (row.empty()) {
    Statement st(prepare("DELETE FROM records WHERE id = ?"));
    st.bind(id);
    return st.step() == SQLITE_DONE ? Status::ok() : fail("delete record");
  }
  Statement st(prepare(
      "INSERT INTO records(id, canonical, local, write_id, base, pending) VALUES(?,?,?,?,?,?) "
      "ON CONFLICT(id) DO UPDATE SET canonical = excluded.canonical, local = excluded.local, "
      "write_id = excluded.write_id, base = excluded.base, pending = excluded.pending"));
  st.bind(id);
  if (row.canonical)
    st.bind(core::toJson(*row.canonical).dump());
  else
    st.bindNull();
  if (row.local)
    st.bind(core::toJson(*row.local).dump());
  else
    st.bindNull();
  st.bind(row.write_id).bind(row.base).bind(int64_t{row.pending() ? 1 : 0});
  return st.step() == SQLITE_DONE ? Status::ok() : fail("save record");
}

Result<core::Record> PhoneStore::writeLocal(const std::string& id, LocalRow row,
                                            core::Record version) {
  version.client_time = core::isoUtcNow();
  applyLocalEdit(row, std::move(version), newUuid());
  if (Status s = saveRow(id, row); !s.isOk()) return s;
  return *row.local;
}

Result<core::Record> PhoneStore::create(const std::string& type, core::Json body,
                                        std::vector<core::Attachment> attachments,
                                        std::vector<std::string> assigned_to, std::string id) {
  if (!body.is_object()) return Status::invalid("body must be a JSON object");
  if (id.empty()) id = newUuid();
  if (!core::isValidId(id) || !core::isValidId(type))
    return Status::invalid("id and type must be valid ids");
  std::lock_guard lock(mu_);
  auto site = meta("site");
  if (!site) return Status::notFound("this phone database has no identity yet (run init)");
  Txn txn(*this);
  if (!txn.begun()) return fail("begin");
  if (loadRow(id)) return Status::conflict("record " + id + " exists already");
  core::Record r;
  r.id = id;
  r.type = type;
  r.site = *site;
  r.body = std::move(body);
  r.attachments = std::move(attachments);
  r.assigned_to = std::move(assigned_to);
  auto written = writeLocal(id, LocalRow{}, std::move(r));
  if (!written.isOk()) return written;
  if (Status s = txn.commit(); !s.isOk()) return s;
  return written;
}

Result<core::Record> PhoneStore::update(const std::string& id,
                                        const std::function<Status(core::Record&)>& change) {
  std::lock_guard lock(mu_);
  Txn txn(*this);
  if (!txn.begun()) return fail("begin");
  auto row = loadRow(id);
  if (!row || !row->view()) return Status::notFound("this phone holds no record " + id);
  core::Record version = *row->view();
  if (Status s = change(version); !s.isOk()) return s;
  if (!version.body.is_object()) return Status::invalid("body must be a JSON object");
  version.id = id;  // the id is the record's identity; change cannot move it
  auto written = writeLocal(id, std::move(*row), std::move(version));
  if (!written.isOk()) return written;
  if (Status s = txn.commit(); !s.isOk()) return s;
  return written;
}

Result<core::Record> PhoneStore::remove(const std::string& id) {
  return update(id, [](core::Record& r) {
    r.deleted = true;
    return Status::ok();
  });
}

std::optional<LocalRow> PhoneStore::row(const std::string& id) {
  std::lock_guard lock(mu_);
  return loadRow(id);
}

std::optional<core::Record> PhoneStore::get(const std::string& id) {
  auto r = row(id);
  if (!r || !r->view()) return std::nullopt;
  return *r->view();
}

std::vector<core::Record> PhoneStore::queryRecords(const char* sql, const std::string& arg) {
  std::vector<core::Record> out;
  std::lock_guard lock(mu_);
  Statement st(prepare(sql));
  if (!arg.empty()) st.bind(arg);
  while (st.step() == SQLITE_ROW) {
    auto r = parseRecord(st.text(0));
    if (r && !r->deleted) out.push_back(std::move(*r));
  }
  return out;
}

std::vector<core::Record> PhoneStore::list(const std::string& type) {
  auto all = queryRecords("SELECT coalesce(local, canonical) FROM records ORDER BY id", "");
  if (type.empty()) return all;
  std::erase_if(all, [&](const core::Record& r) { return r.type != type; });
  return all;
}

std::vector<core::Record> PhoneStore::assignedWork() {
  std::string op;
  {
    std::lock_guard lock(mu_);
    op = meta("operator").value_or("");
  }
  auto all = list();
  std::erase_if(all, [&](const core::Record& r) {
    return finished(r) ||
           std::find(r.assigned_to.begin(), r.assigned_to.end(), op) == r.assigned_to.end();
  });
  return all;
}

int64_t PhoneStore::pendingRecords() {
  std::lock_guard lock(mu_);
  Statement st(prepare("SELECT count(*) FROM records WHERE pending = 1"));
  return st.step() == SQLITE_ROW ? st.integer(0) : 0;
}

int64_t PhoneStore::syncingCount() {
  int64_t blobs_waiting = 0;
  {
    std::lock_guard lock(mu_);
    Statement st(prepare("SELECT count(*) FROM blobs WHERE confirmed_at = 0"));
    if (st.step() == SQLITE_ROW) blobs_waiting = st.integer(0);
  }
  return pendingRecords() + blobs_waiting;
}

std::vector<Notice> PhoneStore::inbox() {
  std::vector<Notice> out;
  std::lock_guard lock(mu_);
  Statement st(
      prepare("SELECT notice, record, kind, text, raw FROM notices WHERE state = 0 "
              "ORDER BY seq"));
  while (st.step() == SQLITE_ROW)
    out.push_back({st.text(0), st.text(1), st.text(2), st.text(3),
                   core::Json::parse(st.text(4), nullptr, false)});
  return out;
}

Status PhoneStore::ackNotice(const std::string& notice) {
  std::lock_guard lock(mu_);
  Statement st(prepare("UPDATE notices SET state = 1 WHERE notice = ? AND state = 0"));
  st.bind(notice);
  if (st.step() != SQLITE_DONE) return fail("ack notice");
  return sqlite3_changes(db_) == 1 ? Status::ok()
                                   : Status::notFound("no unacknowledged notice " + notice);
}

Result<core::Attachment> PhoneStore::capture(const std::string& bytes, const std::string& mime,
                                             const std::string& name) {
  auto sha = blobs_.put(bytes);
  if (!sha.isOk()) return sha.status();
  core::Attachment a{sha.value(), static_cast<int64_t>(bytes.size()), mime, name};
  std::lock_guard lock(mu_);
  // A blob evicted earlier and captured again is local again, and must be confirmed again.
  Statement st(
      prepare("INSERT INTO blobs(sha256, size, mime, name, captured_at) "
              "VALUES(?,?,?,?,?) ON CONFLICT(sha256) DO UPDATE SET evicted = 0"));
  st.bind(a.sha256).bind(a.size).bind(a.mime).bind(a.name).bind(core::unixNowMs());
  if (st.step() != SQLITE_DONE) return fail("capture");
  return a;
}

}  // namespace yard::device
