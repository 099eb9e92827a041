#include "client/attachment_uploader.h"

#include <thread>

namespace yard::device {
namespace {

// How long a sync waits for a locked or moved upload (423, 409): a killed app's PATCH ends when
// the gateway has read what was in flight, well within this on any link the phone can use.
constexpr int kLockedRetries = 40;
constexpr auto kLockedPause = std::chrono::milliseconds(250);

}  // namespace

Status AttachmentUploader::run(const std::set<std::string>& missing, int64_t now_ms,
                               UploadCounts& counts) {
  for (const BlobRow& blob : store_.blobsToUpload()) {
    Status s = upload(blob, missing.count(blob.attachment.sha256) > 0, counts);
    // Locked, or moved by another PATCH: wait for it to end, then carry on from where it left
    // the upload (upload() asks the gateway for the offset first).
    for (int wait = 0; s.code() == Code::kConflict && wait < kLockedRetries; ++wait) {
      std::this_thread::sleep_for(kLockedPause);
      s = upload(blob, missing.count(blob.attachment.sha256) > 0, counts);
    }
    if (s.code() == Code::kRetry) return s;
    if (!s.isOk()) {
      ++counts.refused;  // the blob stays unconfirmed; the next sync tries it again
      continue;
    }
    if (Status c = store_.confirmBlob(blob.attachment.sha256, now_ms); !c.isOk()) return c;
    ++counts.uploaded;
  }
  return Status::ok();
}

Status AttachmentUploader::upload(const BlobRow& blob, bool known_missing, UploadCounts& counts) {
  const core::Attachment& a = blob.attachment;
  std::string location = blob.upload;
  int64_t offset = 0;
  if (!location.empty()) {
    auto at = channel_.offset(location);
    if (at.isOk())
      offset = at.value();
    else if (at.status().code() == Code::kNotFound)
      location.clear();  // expired at the gateway: start again
    else
      return at.status();
  }
  if (location.empty()) {
    if (!known_missing) {
      Status held = channel_.has(a.sha256);
      if (held.isOk()) return held;
      if (held.code() != Code::kNotFound) return held;
    }
    auto created = channel_.create(a);
    if (!created.isOk()) return created.status();
    location = created->location;
    offset = created->offset;
    if (Status s = store_.setUploadLocation(a.sha256, location); !s.isOk()) return s;
  }
  while (offset < a.size) {
    auto chunk = store_.blobCache().read(a.sha256, offset, std::min(chunk_bytes_, a.size - offset));
    if (!chunk.isOk()) return chunk.status();
    if (chunk->empty()) return Status::permanent("local copy of " + a.sha256 + " is short");
    auto next = channel_.append(location, offset, chunk.value());
    if (!next.isOk()) return next.status();
    counts.bytes += static_cast<int64_t>(chunk->size());
    offset = next.value();
  }
  return Status::ok();
}

}  // namespace yard::device
