#include "pg_txn.h"

#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "pg_rows.h"
#include "yard/plugin.hpp"

namespace yard::postgres {

namespace {

using sdk::fail;

// Slots of the sharded record counter: two hub processes committing at once pick the same
// slot (and so wait for each other) once in this many commits.
constexpr int kCountSlots = 64;

int randomSlot() {
  thread_local std::mt19937 gen{std::random_device{}()};
  return std::uniform_int_distribution<int>(0, kCountSlots - 1)(gen);
}

yard_rc checkLimit(int32_t limit, yard_error* err) {
  return limit > 0 ? YARD_OK : fail(err, YARD_INVALID, "limit must be positive");
}

}  // namespace

PgTxn::~PgTxn() {
  if (!finished_) rollback();
}

yard_rc PgTxn::ready(const char* op, bool write, yard_error* err) const {
  if (finished_) return fail(err, YARD_INVALID, std::string(op) + ": transaction is finished");
  if (lease_->broken())
    return fail(err, YARD_RETRY,
                std::string(op) + ": the connection to PostgreSQL was lost; run it again");
  if (lease_->transactionFailed())
    return fail(
        err, YARD_RETRY,
        std::string(op) + ": the transaction was aborted by an earlier error; run it again");
  if (write && !writable_)
    return fail(err, YARD_INVALID, std::string(op) + " needs a writable transaction");
  return YARD_OK;
}

yard_rc PgTxn::run(const char* op, bool write, Stmt s, const Params& params, PgResult& out,
                   yard_error* err) {
  if (yard_rc rc = ready(op, write, err); rc != YARD_OK) return rc;
  return lease_->run(s, params, out, err);
}

yard_rc PgTxn::commit(yard_error* err) {
  if (yard_rc rc = ready("commit", false, err); rc != YARD_OK) {
    rollback();
    return rc;
  }
  // The count goes in with the COMMIT, in one round trip; the slot's row lock is held only
  // for the commit itself.
  std::string sql;
  if (count_delta_ != 0)
    sql = "INSERT INTO record_counts(slot, n) VALUES(" + std::to_string(randomSlot()) + ", " +
          std::to_string(count_delta_) +
          ") ON CONFLICT(slot) DO UPDATE SET n = record_counts.n + excluded.n; ";
  sql += "COMMIT";
  PgResult r;
  yard_rc rc = lease_->exec(sql.c_str(), err, &r);
  // COMMIT of an aborted transaction "succeeds" with the tag ROLLBACK: never report that as
  // durable.
  if (rc == YARD_OK && std::strcmp(PQcmdStatus(r.raw()), "COMMIT") != 0)
    rc = fail(err, YARD_RETRY, "commit: PostgreSQL rolled the transaction back; run it again");
  if (rc != YARD_OK) {
    // A lost connection during COMMIT leaves the outcome unknown: RETRY is right either way,
    // since the host's batches are idempotent.
    rollback();
    return rc;
  }
  finished_ = true;
  return YARD_OK;
}

void PgTxn::rollback() {
  finished_ = true;
  if (!lease_ || lease_->broken() || !lease_->inTransaction()) return;
  // A failed ROLLBACK leaves the connection in a transaction: the pool then closes it.
  (void)lease_->exec("ROLLBACK", nullptr);
}

// ---- records ------------------------------------------------------------------------------

yard_rc PgTxn::recordGet(const char* id, yard_record_fn fn, void* ctx, yard_error* err) {
  PgResult r;
  Params p;
  p.add(id);
  if (yard_rc rc =
          run("record_get", false, writable_ ? Stmt::kRecordLock : Stmt::kRecordGet, p, r, err);
      rc != YARD_OK)
    return rc;
  if (writable_) read_[id] = r.rows() > 0;
  return oneRow(r, recordRow, fn, ctx);
}

yard_rc PgTxn::recordPut(const yard_record_row& row, int64_t& out_seq, yard_error* err) {
  if (puts_ + 1 >= (int64_t{1} << kSeqOrdinalBits))
    return fail(err, YARD_INVALID, "record_put: too many records in one transaction");
  const auto seen = writable_ ? read_.find(row.id) : read_.end();
  const bool read_absent = seen != read_.end() && !seen->second;
  Params p;
  p.add(row.id).add(row.site).add(row.type).add(row.stamp).add(puts_ + 1).add(row.doc);
  PgResult r;
  if (yard_rc rc = run("record_put", true,
                       read_absent ? Stmt::kRecordInsertNew : Stmt::kRecordUpsert, p, r, err);
      rc != YARD_OK)
    return rc;
  ++puts_;
  if (r.rows() == 0)
    return fail(err, YARD_RETRY,
                std::string("record ") + row.id +
                    " was created by another hub process meanwhile; decide again");
  out_seq = r.integer(0, 0);
  if (read_absent || r.integer(0, 1) != 0) ++count_delta_;
  if (read_absent) seen->second = true;  // now this transaction's own, locked row
  return YARD_OK;
}

yard_rc PgTxn::recordChanges(int64_t after_seq, int32_t limit, yard_record_fn fn, void* ctx,
                             yard_error* err) {
  if (yard_rc rc = checkLimit(limit, err); rc != YARD_OK) return rc;
  Params p;
  p.add(after_seq).add(int64_t{limit});
  PgResult r;
  if (yard_rc rc = run("record_changes", false, Stmt::kRecordChanges, p, r, err); rc != YARD_OK)
    return rc;
  return eachRow(r, recordRow, fn, ctx);
}

yard_rc PgTxn::recordCount(int64_t& out, yard_error* err) {
  Params p;
  PgResult r;
  if (yard_rc rc = run("record_count", false, Stmt::kRecordCount, p, r, err); rc != YARD_OK)
    return rc;
  out = r.integer(0, 0) + count_delta_;
  return YARD_OK;
}

// ---- writes -------------------------------------------------------------------------------

yard_rc PgTxn::writeGet(const char* write_id, yard_write_fn fn, void* ctx, yard_error* err) {
  Params p;
  p.add(write_id);
  PgResult r;
  if (yard_rc rc = run("write_get", false, Stmt::kWriteGet, p, r, err); rc != YARD_OK) return rc;
  return oneRow(
      r,
      [](const PgResult& q, int i) {
        return yard_write_row{q.text(i, 0), q.text(i, 1), q.text(i, 2)};
      },
      fn, ctx);
}

yard_rc PgTxn::writePut(const yard_write_row& row, yard_error* err) {
  Params p;
  p.add(row.write_id).add(row.record_id).add(row.stamp);
  PgResult r;
  return run("write_put", true, Stmt::kWritePut, p, r, err);
}

// ---- audit --------------------------------------------------------------------------------

yard_rc PgTxn::auditAdd(const yard_audit_row& row, int64_t& out_id, yard_error* err) {
  Params p;
  p.add(row.record_id).add(row.write_id).add(row.lost_doc).add(row.kept_doc).add(row.at_ms);
  p.add(int64_t{row.restored != 0});
  PgResult r;
  if (yard_rc rc = run("audit_add", true, Stmt::kAuditAdd, p, r, err); rc != YARD_OK) return rc;
  if (r.rows() == 0) {
    // There already: this statement, started after the conflicting insert committed, sees it.
    Params q;
    q.add(row.write_id);
    if (yard_rc rc = run("audit_add", true, Stmt::kAuditIdByWrite, q, r, err); rc != YARD_OK)
      return rc;
    if (r.rows() == 0) return fail(err, YARD_RETRY, "audit_add: the audit row is not visible yet");
  }
  out_id = r.integer(0, 0);
  return YARD_OK;
}

yard_rc PgTxn::auditGet(int64_t audit_id, yard_audit_fn fn, void* ctx, yard_error* err) {
  Params p;
  p.add(audit_id);
  PgResult r;
  if (yard_rc rc = run("audit_get", false, Stmt::kAuditGet, p, r, err); rc != YARD_OK) return rc;
  return oneRow(r, auditRow, fn, ctx);
}

yard_rc PgTxn::auditList(int64_t before_id, int32_t limit, yard_audit_fn fn, void* ctx,
                         yard_error* err) {
  if (yard_rc rc = checkLimit(limit, err); rc != YARD_OK) return rc;
  Params p;
  p.add(before_id > 0 ? before_id : std::numeric_limits<int64_t>::max()).add(int64_t{limit});
  PgResult r;
  if (yard_rc rc = run("audit_list", false, Stmt::kAuditList, p, r, err); rc != YARD_OK) return rc;
  return eachRow(r, auditRow, fn, ctx);
}

yard_rc PgTxn::auditMarkRestored(int64_t audit_id, yard_error* err) {
  Params p;
  p.add(audit_id);
  PgResult r;
  if (yard_rc rc = run("audit_mark_restored", true, Stmt::kAuditRestore, p, r, err); rc != YARD_OK)
    return rc;
  if (r.changed() == 0)
    return fail(err, YARD_NOT_FOUND, "no audit row " + std::to_string(audit_id));
  return YARD_OK;
}

// ---- notices ------------------------------------------------------------------------------

yard_rc PgTxn::noticeAdd(const yard_notice_row& row, yard_error* err) {
  Params p;
  p.add(row.notice_id).add(row.device).add(row.record_id).add(row.doc).add(row.at_ms);
  PgResult r;
  return run("notice_add", true, Stmt::kNoticeAdd, p, r, err);
}

yard_rc PgTxn::noticeList(const char* device, int32_t limit, yard_notice_fn fn, void* ctx,
                          yard_error* err) {
  if (yard_rc rc = checkLimit(limit, err); rc != YARD_OK) return rc;
  Params p;
  p.add(device).add(int64_t{limit});
  PgResult r;
  if (yard_rc rc = run("notice_list", false, Stmt::kNoticeList, p, r, err); rc != YARD_OK)
    return rc;
  return eachRow(r, noticeRow, fn, ctx);
}

yard_rc PgTxn::noticeAck(const char* device, const char* notice_id, yard_error* err) {
  Params p;
  p.add(notice_id).add(device);
  PgResult r;
  return run("notice_ack", true, Stmt::kNoticeAck, p, r, err);
}

// ---- devices ------------------------------------------------------------------------------

yard_rc PgTxn::devicePut(const yard_device_row& row, yard_error* err) {
  Params p;
  p.add(row.id).add(row.site).add(row.operator_id).add(int64_t{row.node != 0});
  p.add(row.token_hash).add(int64_t{row.revoked != 0}).add(row.created_ms).add(row.state_doc);
  PgResult r;
  if (yard_rc rc = run("device_put", true, Stmt::kDevicePut, p, r, err); rc != YARD_OK) return rc;
  if (r.rows() == 0)
    return fail(err, YARD_INVALID,
                std::string("device_put: another device already has the token of ") + row.id);
  return YARD_OK;
}

yard_rc PgTxn::deviceGet(const char* id, yard_device_fn fn, void* ctx, yard_error* err) {
  Params p;
  p.add(id);
  PgResult r;
  if (yard_rc rc = run("device_get", false, Stmt::kDeviceGet, p, r, err); rc != YARD_OK) return rc;
  return oneRow(r, deviceRow, fn, ctx);
}

yard_rc PgTxn::deviceByToken(const char* token_hash, yard_device_fn fn, void* ctx,
                             yard_error* err) {
  Params p;
  p.add(token_hash);
  PgResult r;
  if (yard_rc rc = run("device_by_token", false, Stmt::kDeviceByToken, p, r, err); rc != YARD_OK)
    return rc;
  return oneRow(r, deviceRow, fn, ctx);
}

yard_rc PgTxn::deviceList(yard_device_fn fn, void* ctx, yard_error* err) {
  Params p;
  PgResult r;
  if (yard_rc rc = run("device_list", false, Stmt::kDeviceList, p, r, err); rc != YARD_OK)
    return rc;
  return eachRow(r, deviceRow, fn, ctx);
}

// ---- meta ---------------------------------------------------------------------------------

yard_rc PgTxn::metaGet(const char* key, yard_text_fn fn, void* ctx, yard_error* err) {
  Params p;
  p.add(key);
  PgResult r;
  if (yard_rc rc = run("meta_get", false, Stmt::kMetaGet, p, r, err); rc != YARD_OK) return rc;
  if (r.rows() == 0) return YARD_NOT_FOUND;
  fn(ctx, r.text(0, 0));
  return YARD_OK;
}

yard_rc PgTxn::metaPut(const char* key, const char* value, yard_error* err) {
  Params p;
  p.add(key).add(value);
  PgResult r;
  return run("meta_put", true, Stmt::kMetaPut, p, r, err);
}

// ---- outbox -------------------------------------------------------------------------------

yard_rc PgTxn::outboxPut(const yard_outbox_row& row, yard_error* err) {
  Params p;
  p.add(row.record_id).add(row.stamp).add(row.base).add(row.at_ms);
  PgResult r;
  return run("outbox_put", true, Stmt::kOutboxPut, p, r, err);
}

yard_rc PgTxn::outboxList(int32_t limit, yard_outbox_fn fn, void* ctx, yard_error* err) {
  if (yard_rc rc = checkLimit(limit, err); rc != YARD_OK) return rc;
  Params p;
  p.add(int64_t{limit});
  PgResult r;
  if (yard_rc rc = run("outbox_list", false, Stmt::kOutboxList, p, r, err); rc != YARD_OK)
    return rc;
  return eachRow(
      r,
      [](const PgResult& q, int i) {
        return yard_outbox_row{q.text(i, 0), q.text(i, 1), q.text(i, 2), q.integer(i, 3)};
      },
      fn, ctx);
}

yard_rc PgTxn::outboxDone(const char* record_id, const char* stamp, yard_error* err) {
  Params p;
  p.add(record_id).add(stamp);
  PgResult r;
  return run("outbox_done", true, Stmt::kOutboxDone, p, r, err);
}

yard_rc PgTxn::outboxStats(int64_t& count, int64_t& oldest_ms, yard_error* err) {
  Params p;
  PgResult r;
  if (yard_rc rc = run("outbox_stats", false, Stmt::kOutboxStats, p, r, err); rc != YARD_OK)
    return rc;
  count = r.integer(0, 0);
  oldest_ms = r.integer(0, 1);
  return YARD_OK;
}

}  // namespace yard::postgres
