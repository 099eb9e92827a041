#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/blob_cache.h"
#include "client/gateway_channel.h"
#include "client/local_adoption.h"
#include "core/record.h"
#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace yard::device {

// Who this phone is at its gateway (the enrolment; the token is kept by the app, not here).
struct PhoneIdentity {
  std::string device;
  std::string site;
  std::string operator_id;
};

// A notice from the gateway's inbox (DESIGN §2 rule 3): "your change was replaced", ...
struct Notice {
  std::string notice;
  std::string record;
  std::string kind;  // conflict | rejected | restored
  std::string text;
  core::Json raw;  // the whole notice as the gateway sent it (kept, yours)
};

// A file in the blob cache and where its upload is.
struct BlobRow {
  core::Attachment attachment;
  std::string upload;        // tus upload location while an upload runs
  int64_t confirmed_at = 0;  // ms since epoch the gateway was seen to hold it whole (0: not yet)
  bool evicted = false;      // the local copy is gone (the gateway has it)
};

// What one sync exchange sends, and what the store needs to adopt its answer.
struct OutgoingSync {
  core::Json request;
  std::vector<std::string> acked_notices;
  size_t writes = 0;
};

// What adopting one answer did.
struct AdoptCounts {
  int64_t accepted = 0, conflicts = 0, rejected = 0, pulled = 0, notices = 0;
  std::vector<std::string> missing_attachments;
  bool more = false;
};

// The phone's local database: records with their pending versions, the sync cursor, the inbox
// and the attachment cache's index. SQLite in WAL mode with synchronous=FULL: every call that
// changes something is one transaction, committed and fsync'd before it returns, so a kill at
// any instant keeps every local write and never leaves a step half-applied. Thread-safe (one
// connection behind a mutex): an app's UI and its sync thread may share it.
class PhoneStore {
 public:
  // Opens (creating if missing) the database at path; blobs live in path + ".blobs/".
  static Result<std::unique_ptr<PhoneStore>> open(const std::string& path);
  ~PhoneStore();
  PhoneStore(const PhoneStore&) = delete;
  PhoneStore& operator=(const PhoneStore&) = delete;

  Status setIdentity(const PhoneIdentity& identity);
  // kNotFound until setIdentity was called once.
  Result<PhoneIdentity> identity();

  // --- Local writes. Each is one durable transaction with a fresh write_id. ---
  // A new record (a new UUID unless id is given), pending until synced.
  Result<core::Record> create(const std::string& type, core::Json body,
                              std::vector<core::Attachment> attachments = {},
                              std::vector<std::string> assigned_to = {}, std::string id = "");
  // Changes record id as change says (body, attachments, assigned_to, deleted); kNotFound if
  // the phone does not hold it. change may refuse with a non-ok Status: nothing is written.
  Result<core::Record> update(const std::string& id,
                              const std::function<Status(core::Record&)>& change);
  // A tombstone (deleted = true), synced like any edit.
  Result<core::Record> remove(const std::string& id);

  // --- Reads: always local. ---
  std::optional<core::Record> get(const std::string& id);
  std::optional<LocalRow> row(const std::string& id);
  // Every record not deleted, optionally of one type, ordered by id.
  std::vector<core::Record> list(const std::string& type = "");
  // Records assigned to this phone's operator that are not finished (an inspection not yet
  // submitted, an interchange not yet signed).
  std::vector<core::Record> assignedWork();
  // "Syncing N items": pending records plus attachments not yet at the gateway.
  int64_t syncingCount();
  int64_t pendingRecords();

  // --- Inbox. ---
  std::vector<Notice> inbox();                  // not yet acknowledged by the user, oldest first
  Status ackNotice(const std::string& notice);  // shown; the next sync tells the gateway

  // --- Attachments. ---
  // Copies bytes into the blob cache (durably) and indexes them; returns the reference a
  // record lists. Capturing the same bytes twice keeps one copy.
  Result<core::Attachment> capture(const std::string& bytes, const std::string& mime,
                                   const std::string& name);
  const BlobCache& blobCache() const { return blobs_; }
  std::vector<BlobRow> blobs();
  // Unconfirmed blobs that a synced record references: the gateway wants them.
  std::vector<BlobRow> blobsToUpload();
  Status setUploadLocation(const std::string& sha256, const std::string& location);
  Status confirmBlob(const std::string& sha256, int64_t now_ms);
  // The local file of attachment a, downloaded from the gateway first when the phone does not
  // hold it (another phone captured it, or it was evicted). The bytes are checked against the
  // sha256 before they are kept; a download is held like a confirmed blob (evicted after grace).
  Result<std::string> attachmentFile(const core::Attachment& a, BlobChannel& gateway,
                                     int64_t now_ms);
  // Deletes local copies confirmed more than grace_ms ago that no pending edit references, and
  // forgets blobs captured more than grace_ms ago that no record lists (an app killed between
  // capture and edit). Returns how many files went.
  Result<int> evictBlobs(int64_t now_ms, int64_t grace_ms);

  // --- Sync (used by SyncEngine). ---
  // The next request: up to max_writes pending writes, the cursor, acknowledgements.
  OutgoingSync nextRequest(int limit, size_t max_writes);
  // Adopts a whole answer in one transaction: results, changes, cursor, inbox, acks.
  Result<AdoptCounts> adoptAnswer(const OutgoingSync& sent, const core::Json& answer);

 private:
  PhoneStore(sqlite3* db, std::string blob_dir) : db_(db), blobs_(std::move(blob_dir)) {}
  // BEGIN IMMEDIATE ... COMMIT; rolled back unless committed. Immediate: the write lock is
  // taken at once, so a transaction never fails half-way on a lock upgrade.
  class Txn {
   public:
    explicit Txn(PhoneStore& store) : store_(store), begun_(store.exec("BEGIN IMMEDIATE").isOk()) {}
    ~Txn() {
      if (begun_ && !done_) (void)store_.exec("ROLLBACK");
    }
    bool begun() const { return begun_; }
    Status commit() {
      done_ = true;
      return store_.exec("COMMIT");
    }

   private:
    PhoneStore& store_;
    bool begun_;
    bool done_ = false;
  };
  sqlite3_stmt* prepare(const char* sql);
  Status exec(const char* sql);
  Status fail(const char* what);
  Status saveRow(const std::string& id, const LocalRow& row);
  std::optional<LocalRow> loadRow(const std::string& id);
  std::optional<std::string> meta(const char* key);
  Status setMeta(const char* key, const std::string& value);
  Result<core::Record> writeLocal(const std::string& id, LocalRow row, core::Record version);
  std::vector<core::Record> queryRecords(const char* sql, const std::string& arg);
  std::vector<BlobRow> queryBlobs(const char* sql);

  std::mutex mu_;
  sqlite3* db_;
  BlobCache blobs_;
  std::vector<std::pair<const char*, sqlite3_stmt*>> statements_;
};

// A fresh UUIDv7 (time-ordered, so the gateway's indexes grow at their edge: docs/protocol.md).
std::string newUuid();

}  // namespace yard::device
