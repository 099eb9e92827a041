#pragma once

#include <cstdint>
#include <string>

#include "core/record.h"
#include "core/status.h"

namespace yard::device {

// How a phone exchanges sync requests with its gateway (HTTP or MQTT, DESIGN §4-§5). Failures:
// kRetry when nothing is known about the outcome (no link, timeout, 5xx, 503): sending the same
// request again is harmless, sync is idempotent by write_id; kPermanent when the gateway
// refused the request itself (4xx: a revoked token, a malformed request), with its message.
class SyncChannel {
 public:
  virtual ~SyncChannel() = default;
  virtual Result<core::Json> exchange(const core::Json& request) = 0;
  // Bytes of requests sent and answers received so far.
  virtual int64_t bytesUp() const = 0;
  virtual int64_t bytesDown() const = 0;
};

// Where a resumable upload is (tus 1.0, DESIGN §6).
struct UploadPosition {
  std::string location;  // /v1/uploads/{id}
  int64_t offset = 0;
};

// The attachment endpoints (HTTP only: MQTT carries no blobs). Failures as SyncChannel's,
// plus kNotFound where noted.
class BlobChannel {
 public:
  virtual ~BlobChannel() = default;
  // ok: the gateway holds the blob whole; kNotFound: it does not.
  virtual Status has(const std::string& sha256) = 0;
  virtual Result<UploadPosition> create(const core::Attachment& attachment) = 0;
  // Where an upload is; kNotFound: the gateway forgot it (expired): create it again.
  virtual Result<int64_t> offset(const std::string& location) = 0;
  // Appends bytes at offset; returns the new offset. kConflict: another PATCH holds the upload
  // or has moved it (ask for the offset again once it ends).
  virtual Result<int64_t> append(const std::string& location, int64_t offset,
                                 const std::string& bytes) = 0;
  // The blob's bytes as the gateway serves them (unverified); kNotFound: it has none.
  virtual Result<std::string> download(const std::string& sha256) = 0;
};

}  // namespace yard::device
