#pragma once

#include <cstddef>

namespace yard::sqlite {

// The statements of the data path. Each connection prepares one on first use and keeps it for
// its lifetime (SQLITE_PREPARE_PERSISTENT), so a hot call never re-parses SQL.
enum class Stmt : size_t {
  kBeginRead,
  kBeginWrite,
  kCommit,
  kRollback,
  kPinSnapshot,
  kRecordGet,
  kRecordExists,
  kRecordPut,
  kRecordChanges,
  kCounterGet,
  kCounterAdd,
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

}  // namespace yard::sqlite
