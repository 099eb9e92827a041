#include "pg_statements.h"

namespace yard::postgres {

namespace {

// Column lists shared by the statements that produce the same row struct, in the order the
// readers in pg_txn.cpp and pg_attachments.cpp expect.
#define RECORD_COLS "id, site, type, stamp, seq, doc"
#define AUDIT_COLS "audit_id, record_id, write_id, lost_doc, kept_doc, at_ms, restored"
#define NOTICE_COLS "notice_id, device, record_id, doc, at_ms"
#define DEVICE_COLS "id, site, operator_id, node, token_hash, revoked, created_ms, state_doc"
#define BLOB_COLS "sha256, size, mime, first_seen_ms, confirmed_ms, present"
#define UPLOAD_COLS "upload_id, sha256, length, \"offset\", mime, device, created_ms, updated_ms"
// The seq of a record written by this transaction: its 64-bit transaction id, then the
// ordinal of the put within the transaction. See docs/postgres.md "Change sequence".
#define OWN_SEQ "((pg_current_xact_id()::text::bigint << 20) | $5::bigint)"

constexpr const char* kSql[kStmtCount] = {
    // kRecordGet
    "SELECT " RECORD_COLS " FROM records WHERE id = $1",
    // kRecordLock: in a writable transaction (READ COMMITTED) the row lock waits for another
    // hub deciding the same record and then returns its committed version, so the host's LWW
    // decision is taken on the latest state and holds until this transaction ends.
    "SELECT " RECORD_COLS " FROM records WHERE id = $1 FOR UPDATE",
    // kRecordUpsert: a record this transaction has locked (or never read): replace it.
    "INSERT INTO records(id, site, type, stamp, seq, doc) VALUES($1, $2, $3, $4, " OWN_SEQ
    ", $6) ON CONFLICT(id) DO UPDATE SET site = excluded.site, type = excluded.type, "
    "stamp = excluded.stamp, seq = excluded.seq, doc = excluded.doc "
    "RETURNING seq, (xmax = 0) AS inserted",
    // kRecordInsertNew: a record this transaction read as absent. If another hub created it
    // meanwhile there is no row to return, and the decision must be taken again.
    "INSERT INTO records(id, site, type, stamp, seq, doc) VALUES($1, $2, $3, $4, " OWN_SEQ
    ", $6) ON CONFLICT(id) DO NOTHING RETURNING seq",
    // kRecordChanges: only rows of transactions below the snapshot's xmin, which have all
    // ended: a transaction still running can never commit a seq below the ones returned.
    "SELECT " RECORD_COLS
    " FROM records WHERE seq > $1 "
    "AND seq < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20) "
    "ORDER BY seq LIMIT $2",
    // kRecordCount: the sharded counter (see pg_txn.cpp, commit).
    "SELECT coalesce(sum(n), 0)::bigint FROM record_counts",
    // kWriteGet
    "SELECT write_id, record_id, stamp FROM writes WHERE write_id = $1",
    // kWritePut
    "INSERT INTO writes(write_id, record_id, stamp) VALUES($1, $2, $3) "
    "ON CONFLICT(write_id) DO UPDATE SET record_id = excluded.record_id, stamp = excluded.stamp",
    // kAuditAdd: a retransmitted losing write must not add a second row. DO NOTHING waits for
    // another hub inserting the same write_id and then returns no row (see kAuditIdByWrite).
    "INSERT INTO audit(record_id, write_id, lost_doc, kept_doc, at_ms, restored) "
    "VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT(write_id) DO NOTHING RETURNING audit_id",
    // kAuditIdByWrite
    "SELECT audit_id FROM audit WHERE write_id = $1",
    // kAuditGet
    "SELECT " AUDIT_COLS " FROM audit WHERE audit_id = $1",
    // kAuditList
    "SELECT " AUDIT_COLS " FROM audit WHERE audit_id < $1 ORDER BY audit_id DESC LIMIT $2",
    // kAuditRestore
    "UPDATE audit SET restored = 1 WHERE audit_id = $1",
    // kNoticeAdd: the same notice id twice (a retried batch) keeps the first, acked or not.
    "INSERT INTO notices(notice_id, device, record_id, doc, at_ms) VALUES($1, $2, $3, $4, $5) "
    "ON CONFLICT(notice_id) DO NOTHING",
    // kNoticeList
    "SELECT " NOTICE_COLS
    " FROM notices WHERE device = $1 AND acked = 0 "
    "ORDER BY at_ms, n LIMIT $2",
    // kNoticeAck: the device condition makes acking another device's notice a no-op.
    "UPDATE notices SET acked = 1 WHERE notice_id = $1 AND device = $2",
    // kDevicePut: token hashes are unique across devices. A hash another device holds inserts
    // nothing (no row returned) instead of raising an error, which would abort the whole
    // transaction where SQLite only fails the statement.
    "INSERT INTO devices(" DEVICE_COLS
    ") SELECT $1, $2, $3, $4::integer, $5, $6::integer, $7::bigint, $8 "
    "WHERE NOT EXISTS (SELECT 1 FROM devices WHERE token_hash = $5 AND token_hash <> '' "
    "AND id <> $1) "
    "ON CONFLICT(id) DO UPDATE SET site = excluded.site, operator_id = excluded.operator_id, "
    "node = excluded.node, token_hash = excluded.token_hash, revoked = excluded.revoked, "
    "created_ms = excluded.created_ms, state_doc = excluded.state_doc RETURNING 1",
    // kDeviceGet
    "SELECT " DEVICE_COLS " FROM devices WHERE id = $1",
    // kDeviceByToken: an empty hash (a device without a token) never matches.
    "SELECT " DEVICE_COLS " FROM devices WHERE token_hash = $1 AND token_hash <> ''",
    // kDeviceList
    "SELECT " DEVICE_COLS " FROM devices ORDER BY id",
    // kMetaGet
    "SELECT value FROM meta WHERE key = $1",
    // kMetaPut
    "INSERT INTO meta(key, value) VALUES($1, $2) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    // kOutboxPut: a newer version of a queued record takes the row over but keeps its place,
    // its base (what upstream last knew) and its queue time.
    "INSERT INTO outbox(record_id, stamp, base, at_ms) VALUES($1, $2, $3, $4) "
    "ON CONFLICT(record_id) DO UPDATE SET stamp = excluded.stamp",
    // kOutboxList
    "SELECT record_id, stamp, base, at_ms FROM outbox ORDER BY n LIMIT $1",
    // kOutboxDone
    "DELETE FROM outbox WHERE record_id = $1 AND stamp = $2",
    // kOutboxStats
    "SELECT count(*), coalesce((SELECT at_ms FROM outbox ORDER BY n LIMIT 1), 0) FROM outbox",
    // kBlobPut: first_seen_ms is when the node first held the blob; a later put keeps it.
    "INSERT INTO blobs(" BLOB_COLS
    ") VALUES($1, $2, $3, $4, $5, $6) "
    "ON CONFLICT(sha256) DO UPDATE SET size = excluded.size, mime = excluded.mime, "
    "confirmed_ms = excluded.confirmed_ms, present = excluded.present",
    // kBlobGet
    "SELECT " BLOB_COLS " FROM blobs WHERE sha256 = $1",
    // kBlobList
    "SELECT " BLOB_COLS " FROM blobs WHERE sha256 > $1 ORDER BY sha256 LIMIT $2",
    // kBlobDelete
    "DELETE FROM blobs WHERE sha256 = $1",
    // kBlobStats
    "SELECT count(*), coalesce(sum(size), 0)::bigint, "
    "coalesce(sum(CASE WHEN confirmed_ms = 0 THEN size ELSE 0 END), 0)::bigint "
    "FROM blobs WHERE present = 1",
    // kBlobRefAdd
    "INSERT INTO blob_refs(sha256, record_id) VALUES($1, $2) ON CONFLICT DO NOTHING",
    // kBlobRefs
    "SELECT record_id FROM blob_refs WHERE sha256 = $1 ORDER BY record_id",
    // kUploadPut
    "INSERT INTO uploads(" UPLOAD_COLS
    ") VALUES($1, $2, $3, $4, $5, $6, $7, $8) "
    "ON CONFLICT(upload_id) DO UPDATE SET sha256 = excluded.sha256, length = excluded.length, "
    "\"offset\" = excluded.\"offset\", mime = excluded.mime, device = excluded.device, "
    "created_ms = excluded.created_ms, updated_ms = excluded.updated_ms",
    // kUploadGet
    "SELECT " UPLOAD_COLS " FROM uploads WHERE upload_id = $1",
    // kUploadList
    "SELECT " UPLOAD_COLS " FROM uploads ORDER BY created_ms, upload_id",
    // kUploadDelete
    "DELETE FROM uploads WHERE upload_id = $1",
};

#undef RECORD_COLS
#undef AUDIT_COLS
#undef NOTICE_COLS
#undef DEVICE_COLS
#undef BLOB_COLS
#undef UPLOAD_COLS
#undef OWN_SEQ

}  // namespace

const char* sqlOf(Stmt s) { return kSql[static_cast<size_t>(s)]; }

}  // namespace yard::postgres
