#pragma once

#include <cstdint>

#include "connection_pool.h"
#include "yard/plugin.h"

namespace yard::sqlite {

// One transaction on a leased connection: a read snapshot on a reader connection, or
// BEGIN IMMEDIATE on the writer. Members implement yard_storage_api one for one (through
// sdk::StorageTable); see yard/plugin.h for their contracts. Used by one thread at a time.
//
// When SQLite rolls a transaction back on its own after an error (I/O error, full disk, busy),
// every later call returns YARD_RETRY instead of quietly running in autocommit mode.
class SqliteTxn {
 public:
  SqliteTxn(ConnectionPool::Lease lease, bool writable)
      : lease_(std::move(lease)), writable_(writable) {}
  ~SqliteTxn();
  SqliteTxn(const SqliteTxn&) = delete;
  SqliteTxn& operator=(const SqliteTxn&) = delete;

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

  // sqlite_attachments.cpp
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
  yard_rc addToCounter(const char* name, int64_t delta, yard_error* err);

  ConnectionPool::Lease lease_;
  const bool writable_;
  bool finished_ = false;
};

}  // namespace yard::sqlite
