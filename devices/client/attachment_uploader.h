#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "client/gateway_channel.h"
#include "client/phone_store.h"

namespace yard::device {

struct UploadCounts {
  int64_t uploaded = 0;  // blobs the gateway now holds (sent, or found already there)
  int64_t bytes = 0;     // bytes sent
  int64_t refused = 0;   // blobs the gateway refused for good (checksum, too large)
};

// Sends the attachments the gateway wants (DESIGN §6) with tus, resuming where an earlier
// attempt stopped: the upload's location is kept in the phone store as soon as it exists, and
// on the next attempt the gateway's HEAD says how far it got. Chunks of chunk_bytes, each a
// PATCH the gateway makes durable before answering, so a cut costs at most one chunk.
class AttachmentUploader {
 public:
  AttachmentUploader(PhoneStore& store, BlobChannel& channel, int64_t chunk_bytes)
      : store_(store), channel_(channel), chunk_bytes_(chunk_bytes) {}

  // missing: the sha256s the last sync answers listed as missing (they need no HEAD first).
  // Stops at the first kRetry failure (the link is down: the next sync resumes).
  Status run(const std::set<std::string>& missing, int64_t now_ms, UploadCounts& counts);

 private:
  Status upload(const BlobRow& blob, bool known_missing, UploadCounts& counts);

  PhoneStore& store_;
  BlobChannel& channel_;
  int64_t chunk_bytes_;
};

}  // namespace yard::device
