#pragma once

#include <cstddef>

namespace yard::postgres {

// The statements of the data path, prepared once per connection (see PgConnection::run).
enum class Stmt : size_t {
  kRecordGet,
  kRecordLock,
  kRecordUpsert,
  kRecordInsertNew,
  kRecordChanges,
  kRecordCount,
  kWriteGet,
  kWritePut,
  kAuditAdd,
  kAuditIdByWrite,
  kAuditGet,
  kAuditList,
  kAuditRestore,
  kNoticeAdd,
  kNoticeList,
  kNoticeAck,
  kDevicePut,
  kDeviceGet,
  kDeviceByToken,
  kDeviceList,
  kMetaGet,
  kMetaPut,
  kOutboxPut,
  kOutboxList,
  kOutboxDone,
  kOutboxStats,
  kBlobPut,
  kBlobGet,
  kBlobList,
  kBlobDelete,
  kBlobStats,
  kBlobRefAdd,
  kBlobRefs,
  kUploadPut,
  kUploadGet,
  kUploadList,
  kUploadDelete,
  kCount_  // number of statements, not a statement
};

constexpr size_t kStmtCount = static_cast<size_t>(Stmt::kCount_);

// The SQL text of a statement.
const char* sqlOf(Stmt s);

// Bits of a record's seq below the writing transaction's id (see kRecordUpsert): up to
// 2^20 - 1 record_put calls per transaction.
inline constexpr int kSeqOrdinalBits = 20;

}  // namespace yard::postgres
