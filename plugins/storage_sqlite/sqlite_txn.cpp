#include "sqlite_txn.h"

#include <limits>
#include <string>

#include "yard/plugin.hpp"

namespace yard::sqlite {

namespace {

using sdk::fail;

// Row readers: column order as in statements.cpp. Pointers are valid until the next step.
yard_record_row recordRow(const Query& q) {
  return yard_record_row{q.text(0), q.text(1), q.text(2), q.text(3), q.integer(4), q.text(5)};
}
yard_audit_row auditRow(const Query& q) {
  return yard_audit_row{q.integer(0),
                        q.text(1),
                        q.text(2),
                        q.text(3),
                        q.text(4),
                        q.integer(5),
                        static_cast<int32_t>(q.integer(6))};
}
yard_notice_row noticeRow(const Query& q) {
  return yard_notice_row{q.text(0), q.text(1), q.text(2), q.text(3), q.integer(4)};
}
yard_device_row deviceRow(const Query& q) {
  return yard_device_row{q.text(0),    q.text(1),
                         q.text(2),    static_cast<int32_t>(q.integer(3)),
                         q.text(4),    static_cast<int32_t>(q.integer(5)),
                         q.integer(6), q.text(7)};
}

// Runs q, which selects at most one row: hands it to emit, or says YARD_NOT_FOUND.
template <typename Emit>
yard_rc one(Query& q, Emit&& emit, yard_error* err) {
  int code = q.step();
  if (code == SQLITE_DONE) return YARD_NOT_FOUND;
  if (code != SQLITE_ROW) return q.fail(code, err);
  emit(q);
  return YARD_OK;
}

yard_rc checkLimit(int32_t limit, yard_error* err) {
  return limit > 0 ? YARD_OK : fail(err, YARD_INVALID, "limit must be positive");
}

}  // namespace

SqliteTxn::~SqliteTxn() {
  if (!finished_) rollback();
}

yard_rc SqliteTxn::ready(const char* op, bool write, yard_error* err) const {
  if (finished_) return fail(err, YARD_INVALID, std::string(op) + ": transaction is finished");
  if (!lease_->inTransaction())
    return fail(
        err, YARD_RETRY,
        std::string(op) + ": the transaction was rolled back after an earlier error; run it again");
  if (write && !writable_)
    return fail(err, YARD_INVALID, std::string(op) + " needs a writable transaction");
  return YARD_OK;
}

yard_rc SqliteTxn::commit(yard_error* err) {
  if (yard_rc rc = ready("commit", false, err); rc != YARD_OK) {
    rollback();
    return rc;
  }
  yard_rc rc = Query(*lease_, Stmt::kCommit, err).run(err);
  if (rc != YARD_OK) {
    rollback();  // a failed COMMIT may leave the transaction open; it must not linger
    return rc;
  }
  finished_ = true;
  return YARD_OK;
}

void SqliteTxn::rollback() {
  finished_ = true;
  if (!lease_->inTransaction()) return;
  (void)Query(*lease_, Stmt::kRollback, nullptr).run(nullptr);
  // A connection still inside a transaction would wedge the next user: replace it.
  if (lease_->inTransaction()) lease_.discard();
}

yard_rc SqliteTxn::addToCounter(const char* name, int64_t delta, yard_error* err) {
  Query q(*lease_, Stmt::kCounterAdd, err);
  if (!q) return q.rc();
  return q.bind(1, name).bind(2, delta).run(err);
}

// ---- records ------------------------------------------------------------------------------

yard_rc SqliteTxn::recordGet(const char* id, yard_record_fn fn, void* ctx, yard_error* err) {
  if (yard_rc rc = ready("record_get", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kRecordGet, err);
  if (!q) return q.rc();
  q.bind(1, id);
  return one(
      q,
      [&](const Query& r) {
        const yard_record_row row = recordRow(r);
        fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::recordPut(const yard_record_row& row, int64_t& out_seq, yard_error* err) {
  if (yard_rc rc = ready("record_put", true, err); rc != YARD_OK) return rc;
  bool existed = false;
  {
    Query q(*lease_, Stmt::kRecordExists, err);
    if (!q) return q.rc();
    int code = q.bind(1, row.id).step();
    if (code != SQLITE_ROW && code != SQLITE_DONE) return q.fail(code, err);
    existed = code == SQLITE_ROW;
  }
  Query put(*lease_, Stmt::kRecordPut, err);
  if (!put) return put.rc();
  put.bind(1, row.id).bind(2, row.site).bind(3, row.type).bind(4, row.stamp).bind(5, row.doc);
  if (yard_rc rc = put.run(err); rc != YARD_OK) return rc;
  out_seq = sqlite3_last_insert_rowid(lease_->db());
  return existed ? YARD_OK : addToCounter("records", 1, err);
}

yard_rc SqliteTxn::recordChanges(int64_t after_seq, int32_t limit, yard_record_fn fn, void* ctx,
                                 yard_error* err) {
  if (yard_rc rc = ready("record_changes", false, err); rc != YARD_OK) return rc;
  if (yard_rc rc = checkLimit(limit, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kRecordChanges, err);
  if (!q) return q.rc();
  q.bind(1, after_seq).bind(2, int64_t{limit});
  return q.each(
      [&](const Query& r) {
        const yard_record_row row = recordRow(r);
        return fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::recordCount(int64_t& out, yard_error* err) {
  if (yard_rc rc = ready("record_count", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kCounterGet, err);
  if (!q) return q.rc();
  q.bind(1, "records");
  yard_rc rc = one(
      q, [&](const Query& r) { out = r.integer(0); }, err);
  return rc == YARD_NOT_FOUND ? fail(err, YARD_PERMANENT, "the records counter is missing") : rc;
}

// ---- writes -------------------------------------------------------------------------------

yard_rc SqliteTxn::writeGet(const char* write_id, yard_write_fn fn, void* ctx, yard_error* err) {
  if (yard_rc rc = ready("write_get", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kWriteGet, err);
  if (!q) return q.rc();
  q.bind(1, write_id);
  return one(
      q,
      [&](const Query& r) {
        const yard_write_row row{r.text(0), r.text(1), r.text(2)};
        fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::writePut(const yard_write_row& row, yard_error* err) {
  if (yard_rc rc = ready("write_put", true, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kWritePut, err);
  if (!q) return q.rc();
  return q.bind(1, row.write_id).bind(2, row.record_id).bind(3, row.stamp).run(err);
}

// ---- audit --------------------------------------------------------------------------------

yard_rc SqliteTxn::auditAdd(const yard_audit_row& row, int64_t& out_id, yard_error* err) {
  if (yard_rc rc = ready("audit_add", true, err); rc != YARD_OK) return rc;
  {
    Query add(*lease_, Stmt::kAuditAdd, err);
    if (!add) return add.rc();
    add.bind(1, row.record_id).bind(2, row.write_id).bind(3, row.lost_doc).bind(4, row.kept_doc);
    add.bind(5, row.at_ms).bind(6, int64_t{row.restored != 0});
    if (yard_rc rc = add.run(err); rc != YARD_OK) return rc;
  }
  // Inserted or already there: either way the row's id is the answer.
  Query q(*lease_, Stmt::kAuditIdByWrite, err);
  if (!q) return q.rc();
  q.bind(1, row.write_id);
  yard_rc rc = one(
      q, [&](const Query& r) { out_id = r.integer(0); }, err);
  return rc == YARD_NOT_FOUND ? fail(err, YARD_PERMANENT, "audit row vanished after insert") : rc;
}

yard_rc SqliteTxn::auditGet(int64_t audit_id, yard_audit_fn fn, void* ctx, yard_error* err) {
  if (yard_rc rc = ready("audit_get", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kAuditGet, err);
  if (!q) return q.rc();
  q.bind(1, audit_id);
  return one(
      q,
      [&](const Query& r) {
        const yard_audit_row row = auditRow(r);
        fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::auditList(int64_t before_id, int32_t limit, yard_audit_fn fn, void* ctx,
                             yard_error* err) {
  if (yard_rc rc = ready("audit_list", false, err); rc != YARD_OK) return rc;
  if (yard_rc rc = checkLimit(limit, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kAuditList, err);
  if (!q) return q.rc();
  q.bind(1, before_id > 0 ? before_id : std::numeric_limits<int64_t>::max());
  q.bind(2, int64_t{limit});
  return q.each(
      [&](const Query& r) {
        const yard_audit_row row = auditRow(r);
        return fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::auditMarkRestored(int64_t audit_id, yard_error* err) {
  if (yard_rc rc = ready("audit_mark_restored", true, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kAuditRestore, err);
  if (!q) return q.rc();
  if (yard_rc rc = q.bind(1, audit_id).run(err); rc != YARD_OK) return rc;
  if (sqlite3_changes(lease_->db()) == 0)
    return fail(err, YARD_NOT_FOUND, "no audit row " + std::to_string(audit_id));
  return YARD_OK;
}

// ---- notices ------------------------------------------------------------------------------

yard_rc SqliteTxn::noticeAdd(const yard_notice_row& row, yard_error* err) {
  if (yard_rc rc = ready("notice_add", true, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kNoticeAdd, err);
  if (!q) return q.rc();
  q.bind(1, row.notice_id).bind(2, row.device).bind(3, row.record_id).bind(4, row.doc);
  return q.bind(5, row.at_ms).run(err);
}

yard_rc SqliteTxn::noticeList(const char* device, int32_t limit, yard_notice_fn fn, void* ctx,
                              yard_error* err) {
  if (yard_rc rc = ready("notice_list", false, err); rc != YARD_OK) return rc;
  if (yard_rc rc = checkLimit(limit, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kNoticeList, err);
  if (!q) return q.rc();
  q.bind(1, device).bind(2, int64_t{limit});
  return q.each(
      [&](const Query& r) {
        const yard_notice_row row = noticeRow(r);
        return fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::noticeAck(const char* device, const char* notice_id, yard_error* err) {
  if (yard_rc rc = ready("notice_ack", true, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kNoticeAck, err);
  if (!q) return q.rc();
  return q.bind(1, notice_id).bind(2, device).run(err);
}

// ---- devices ------------------------------------------------------------------------------

yard_rc SqliteTxn::devicePut(const yard_device_row& row, yard_error* err) {
  if (yard_rc rc = ready("device_put", true, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kDevicePut, err);
  if (!q) return q.rc();
  q.bind(1, row.id).bind(2, row.site).bind(3, row.operator_id).bind(4, int64_t{row.node != 0});
  q.bind(5, row.token_hash).bind(6, int64_t{row.revoked != 0}).bind(7, row.created_ms);
  return q.bind(8, row.state_doc).run(err);
}

yard_rc SqliteTxn::deviceGet(const char* id, yard_device_fn fn, void* ctx, yard_error* err) {
  if (yard_rc rc = ready("device_get", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kDeviceGet, err);
  if (!q) return q.rc();
  q.bind(1, id);
  return one(
      q,
      [&](const Query& r) {
        const yard_device_row row = deviceRow(r);
        fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::deviceByToken(const char* token_hash, yard_device_fn fn, void* ctx,
                                 yard_error* err) {
  if (yard_rc rc = ready("device_by_token", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kDeviceByToken, err);
  if (!q) return q.rc();
  q.bind(1, token_hash);
  return one(
      q,
      [&](const Query& r) {
        const yard_device_row row = deviceRow(r);
        fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::deviceList(yard_device_fn fn, void* ctx, yard_error* err) {
  if (yard_rc rc = ready("device_list", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kDeviceList, err);
  if (!q) return q.rc();
  return q.each(
      [&](const Query& r) {
        const yard_device_row row = deviceRow(r);
        return fn(ctx, &row);
      },
      err);
}

// ---- meta ---------------------------------------------------------------------------------

yard_rc SqliteTxn::metaGet(const char* key, yard_text_fn fn, void* ctx, yard_error* err) {
  if (yard_rc rc = ready("meta_get", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kMetaGet, err);
  if (!q) return q.rc();
  q.bind(1, key);
  return one(
      q, [&](const Query& r) { fn(ctx, r.text(0)); }, err);
}

yard_rc SqliteTxn::metaPut(const char* key, const char* value, yard_error* err) {
  if (yard_rc rc = ready("meta_put", true, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kMetaPut, err);
  if (!q) return q.rc();
  return q.bind(1, key).bind(2, value).run(err);
}

// ---- outbox -------------------------------------------------------------------------------

yard_rc SqliteTxn::outboxPut(const yard_outbox_row& row, yard_error* err) {
  if (yard_rc rc = ready("outbox_put", true, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kOutboxPut, err);
  if (!q) return q.rc();
  q.bind(1, row.record_id).bind(2, row.stamp).bind(3, row.base).bind(4, row.at_ms);
  return q.run(err);
}

yard_rc SqliteTxn::outboxList(int32_t limit, yard_outbox_fn fn, void* ctx, yard_error* err) {
  if (yard_rc rc = ready("outbox_list", false, err); rc != YARD_OK) return rc;
  if (yard_rc rc = checkLimit(limit, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kOutboxList, err);
  if (!q) return q.rc();
  q.bind(1, int64_t{limit});
  return q.each(
      [&](const Query& r) {
        const yard_outbox_row row{r.text(0), r.text(1), r.text(2), r.integer(3)};
        return fn(ctx, &row);
      },
      err);
}

yard_rc SqliteTxn::outboxDone(const char* record_id, const char* stamp, yard_error* err) {
  if (yard_rc rc = ready("outbox_done", true, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kOutboxDone, err);
  if (!q) return q.rc();
  return q.bind(1, record_id).bind(2, stamp).run(err);
}

yard_rc SqliteTxn::outboxStats(int64_t& count, int64_t& oldest_ms, yard_error* err) {
  if (yard_rc rc = ready("outbox_stats", false, err); rc != YARD_OK) return rc;
  Query q(*lease_, Stmt::kOutboxStats, err);
  if (!q) return q.rc();
  return one(
      q,
      [&](const Query& r) {
        count = r.integer(0);
        oldest_ms = r.integer(1);
      },
      err);
}

}  // namespace yard::sqlite
