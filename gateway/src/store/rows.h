#pragma once

#include <cstdint>
#include <string>

namespace yard::store {

// Owning C++ mirrors of the rows in yard/plugin.h; see there for what each field means.

struct RecordRow {
  std::string id, site, type, stamp;
  int64_t seq = 0;
  std::string doc;
};

struct WriteRow {
  std::string write_id, record_id, stamp;
};

struct AuditRow {
  int64_t audit_id = 0;
  std::string record_id, write_id, lost_doc, kept_doc;
  int64_t at_ms = 0;
  bool restored = false;
};

struct NoticeRow {
  std::string notice_id, device, record_id, doc;
  int64_t at_ms = 0;
};

struct DeviceRow {
  std::string id, site, operator_id;
  bool node = false;
  std::string token_hash;
  bool revoked = false;
  int64_t created_ms = 0;
  std::string state_doc = "{}";
};

struct OutboxRow {
  std::string record_id, stamp, base;
  int64_t at_ms = 0;
};

struct OutboxStats {
  int64_t count = 0;
  int64_t oldest_at_ms = 0;  // 0 when the outbox is empty
};

struct BlobRow {
  std::string sha256;
  int64_t size = 0;
  std::string mime;
  int64_t first_seen_ms = 0;
  int64_t confirmed_ms = 0;  // 0: not confirmed upstream yet
  bool present = true;       // false once evicted
};

struct BlobStats {
  int64_t count = 0;              // blobs held whole
  int64_t bytes = 0;              // their total size
  int64_t unconfirmed_bytes = 0;  // of which not yet confirmed upstream
};

struct UploadRow {
  std::string upload_id, sha256;
  int64_t length = 0;
  int64_t offset = 0;
  std::string mime, device;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

}  // namespace yard::store
