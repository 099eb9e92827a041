#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "attachments/blob_store.h"
#include "attachments/eviction.h"
#include "attachments/tus.h"
#include "core/record.h"
#include "core/status.h"
#include "store/store.h"
#include "sync/commit_queue.h"

namespace yard::attachments {

struct AttachmentOptions {
  int64_t quota_bytes = int64_t{10240} << 20;
  int64_t max_upload_bytes = int64_t{64} << 20;  // largest Upload-Length accepted
  int64_t upload_expiry_ms = 24 * 3600 * 1000;   // a partial upload idle this long is deleted
  EvictionPolicy eviction;
};

// Why an upload request failed, beyond what a Status says: the HTTP layer maps each to its
// status code (DESIGN §6).
enum class UploadError {
  kNone,
  kBadRequest,      // 400
  kNotFound,        // 404
  kOffsetMismatch,  // 409
  kTooLarge,        // 413
  kHashMismatch,    // 460: the upload was discarded
  kQuotaFull,       // 507: the quota is full of data not yet confirmed upstream
  kBusy,            // 423: another PATCH of the same upload is running
  kInternal         // 500 / 503 (the Status code says which)
};

struct UploadOutcome {
  UploadError error = UploadError::kNone;
  Status status;  // the message for the client
  store::UploadRow upload;
  static UploadOutcome fail(UploadError e, Status s) { return {e, std::move(s), {}}; }
};

// Where a PATCH body comes from: fills buffer with up to size bytes and returns how many; 0 once
// the body is over or the sender went away; throws when the connection fails or times out.
using BodyReader = std::function<size_t(char* buffer, size_t size)>;

// The node's attachments: tus uploads into the blob store, their metadata in the storage
// plugin, the quota, and the lifetime of blobs (DESIGN §2 rule 5, §6). Store writes go through
// the node's single writer. Thread-safe. A maintenance thread deletes stale partial uploads and
// evicts blobs confirmed upstream once their grace window has passed.
class AttachmentService {
 public:
  using Clock = std::function<int64_t()>;  // wall-clock ms; tests inject one

  AttachmentService(store::Store& store, sync::CommitQueue& writer, BlobStore blobs,
                    AttachmentOptions options, Clock clock);
  ~AttachmentService();

  // Repairs what a crash between filing a blob and recording it left behind, then starts the
  // maintenance thread.
  Status start();
  void stop();

  // POST /v1/uploads. A blob already held whole gives an upload that is complete at once
  // (dedup: no byte is sent twice, no second copy is kept).
  UploadOutcome create(int64_t length, const UploadMetadata& meta, const std::string& device);
  // HEAD /v1/uploads/{id}. Only the device that created an upload (or the admin, device "")
  // sees it.
  UploadOutcome find(const std::string& upload_id, const std::string& device, bool admin);
  // PATCH /v1/uploads/{id}: appends body (at most length - offset bytes, exactly
  // content_length when >= 0) at offset. The bytes are fsync'd and the new offset recorded
  // before this returns, also when the body is cut short (a dropped connection): the client
  // resumes from the offset HEAD reports. The last byte files the blob after checking its hash.
  UploadOutcome append(const std::string& upload_id, const std::string& device, bool admin,
                       int64_t offset, int64_t content_length, const BodyReader& body);

  // A blob held whole: its metadata; nullopt when the node does not hold it (never had it, or
  // evicted it).
  Result<std::optional<store::BlobRow>> held(const std::string& sha256);
  std::string blobPath(const std::string& sha256) const { return blobs_.blobPath(sha256); }

  // Records which of records reference which blobs (referenced_by), and returns the sha256s
  // among them this node neither holds whole nor knows to be confirmed upstream (DESIGN §4
  // missing_attachments), in order, without duplicates.
  Result<std::vector<std::string>> noteReferences(const std::vector<core::Record>& records);

  // ---- upstream (driven by the upstream loop's blob step; see upstream/blob_uplink.h) ----

  // Called when there is something for the blob step to do (a blob filed, a fetch asked for),
  // so the upstream loop runs soon. Set once before serving.
  void setUplinkWake(std::function<void()> wake) { uplink_wake_ = std::move(wake); }
  // Blobs held whole and not yet confirmed upstream, smallest first (a big photo backlog never
  // holds back the signatures behind it).
  Result<std::vector<store::BlobRow>> unconfirmed();
  // Upstream holds sha256 whole: from now on it may be evicted once the grace window passes.
  Status confirm(const std::string& sha256);
  // The evicted blobs phones are waiting for (until fetched() or fetchFailed()).
  std::vector<std::string> takeFetchRequests();
  // Where the blob step downloads sha256 to, and how it files (kInvalid: wrong bytes) or gives
  // up on (notFound upstream) the download. Either wakes the phones waiting in fetchBack.
  std::string fetchPath(const std::string& sha256) const;
  Status fetched(const std::string& sha256);
  void fetchFailed(const std::string& sha256);
  // For GET of a blob evicted after upstream confirmed it: asks the blob step to fetch it back
  // and waits up to timeout_ms. The blob row when it is held again, nullopt otherwise.
  Result<std::optional<store::BlobRow>> fetchBack(const std::string& sha256, int64_t timeout_ms);

  // One maintenance pass: stale uploads, eviction. Public for tests and the status page.
  Status maintain();

  // For /v1/status: the attachment store against its quota.
  core::Json statusJson();

 private:
  Result<int64_t> reservedBytes(store::Txn& txn);
  Status recordOffset(const store::UploadRow& row, int64_t offset);
  UploadOutcome finish(store::UploadRow row, const std::string& digest);
  Status evict(const std::string& sha256);
  void maintenanceLoop();

  store::Store& store_;
  sync::CommitQueue& writer_;
  BlobStore blobs_;
  AttachmentOptions options_;
  Clock clock_;

  // Serialises filing a blob (rename, then its row) with evicting one (row, then unlink), so a
  // re-upload of an evicted blob and an eviction pass never undo each other.
  std::mutex filing_mu_;
  std::mutex mu_;                 // guards active_, stopping_
  std::set<std::string> active_;  // uploads with a PATCH running
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread maintenance_;

  std::function<void()> uplink_wake_;
  std::mutex fetch_mu_;  // guards fetch_requests_, fetch_done_
  std::set<std::string> fetch_requests_;
  std::condition_variable fetch_done_;
};

}  // namespace yard::attachments
