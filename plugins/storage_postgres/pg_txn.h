#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "pg_pool.h"
#include "yard/plugin.h"

namespace yard::postgres {

// One transaction on a leased connection. Members implement yard_storage_api one for one
// (through sdk::StorageTable); see yard/plugin.h for their contracts. Used by one thread at a
// time.
//
// Read-only: REPEATABLE READ READ ONLY, the snapshot pinned at begin. Writable: READ COMMITTED
// with row locks, so that several hub processes may decide records at once and each decision
// is taken on the latest committed version:
//   - record_get locks the record's row (SELECT ... FOR UPDATE): a second hub deciding the
//     same record waits for the first to commit, then reads what it committed;
//   - a record read as absent cannot be locked (there is no row): record_put then inserts only
//     if still absent, and answers YARD_RETRY if another hub created it meanwhile, so the host
//     runs the batch again and decides on the version that now exists.
// After any failed statement PostgreSQL has aborted the transaction: every later call answers
// YARD_RETRY and commit rolls back, never "commits" an aborted transaction.
class PgTxn {
 public:
  PgTxn(PgPool::Lease lease, bool writable) : lease_(std::move(lease)), writable_(writable) {}
  ~PgTxn();
  PgTxn(const PgTxn&) = delete;
  PgTxn& operator=(const PgTxn&) = delete;

  yard_rc commit(yard_error* err);
  void rollback();

  yard_rc recordGet(const char* id, yard_record_fn fn, void* ctx, yard_error* err);
  yard_rc recordPut(const yard_record_row& row, int64_t& out_seq, yard_error* err);
  yard_rc recordChanges(int64_t after_seq, int32_t limit, yard_record_fn fn, void* ctx,
                        yard_error* err);
  yard_rc recordCount(int64_t& out, yard_error* err);

  yard_rc writeGet(const char* write_id, yard_write_fn fn, void* ctx, yard_error* err);
  yard_rc writePut(const yard_write_row& row, yard_error* err);

  yard_rc auditAdd(const yard_audit_row& row, int64_t& out_id, yard_error* err);
  yard_rc auditGet(int64_t audit_id, yard_audit_fn fn, void* ctx, yard_error* err);
  yard_rc auditList(int64_t before_id, int32_t limit, yard_audit_fn fn, void* ctx, yard_error* err);
  yard_rc auditMarkRestored(int64_t audit_id, yard_error* err);

  yard_rc noticeAdd(const yard_notice_row& row, yard_error* err);
  yard_rc noticeList(const char* device, int32_t limit, yard_notice_fn fn, void* ctx,
                     yard_error* err);
  yard_rc noticeAck(const char* device, const char* notice_id, yard_error* err);

  yard_rc devicePut(const yard_device_row& row, yard_error* err);
  yard_rc deviceGet(const char* id, yard_device_fn fn, void* ctx, yard_error* err);
  yard_rc deviceByToken(const char* token_hash, yard_device_fn fn, void* ctx, yard_error* err);
  yard_rc deviceList(yard_device_fn fn, void* ctx, yard_error* err);

  yard_rc metaGet(const char* key, yard_text_fn fn, void* ctx, yard_error* err);
  yard_rc metaPut(const char* key, const char* value, yard_error* err);

  yard_rc outboxPut(const yard_outbox_row& row, yard_error* err);
  yard_rc outboxList(int32_t limit, yard_outbox_fn fn, void* ctx, yard_error* err);
  yard_rc outboxDone(const char* record_id, const char* stamp, yard_error* err);
  yard_rc outboxStats(int64_t& count, int64_t& oldest_ms, yard_error* err);

  // pg_attachments.cpp
  yard_rc blobPut(const yard_blob_row& row, yard_error* err);
  yard_rc blobGet(const char* sha256, yard_blob_fn fn, void* ctx, yard_error* err);
  yard_rc blobList(const char* after, int32_t limit, yard_blob_fn fn, void* ctx, yard_error* err);
  yard_rc blobDelete(const char* sha256, yard_error* err);
  yard_rc blobStats(int64_t& count, int64_t& bytes, int64_t& unconfirmed, yard_error* err);
  yard_rc blobRefAdd(const char* sha256, const char* record_id, yard_error* err);
  yard_rc blobRefs(const char* sha256, yard_text_fn fn, void* ctx, yard_error* err);
  yard_rc uploadPut(const yard_upload_row& row, yard_error* err);
  yard_rc uploadGet(const char* upload_id, yard_upload_fn fn, void* ctx, yard_error* err);
  yard_rc uploadList(yard_upload_fn fn, void* ctx, yard_error* err);
  yard_rc uploadDelete(const char* upload_id, yard_error* err);

 private:
  // YARD_OK when the transaction is still open (and writable, if write); op names the call.
  yard_rc ready(const char* op, bool write, yard_error* err) const;
  // Runs s with params into out, after ready(op, write).
  yard_rc run(const char* op, bool write, Stmt s, const Params& params, PgResult& out,
              yard_error* err);

  PgPool::Lease lease_;
  const bool writable_;
  bool finished_ = false;
  int64_t puts_ = 0;         // record_put calls so far: the ordinal part of the next seq
  int64_t count_delta_ = 0;  // records added, applied to record_counts at commit
  // Records read by this writable transaction: true if present (and so locked), false if
  // read as absent.
  std::unordered_map<std::string, bool> read_;
};

}  // namespace yard::postgres
