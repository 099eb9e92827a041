#include "client/sync_engine.h"

#include <set>

namespace yard::device {

SyncTotals& SyncTotals::operator+=(const SyncTotals& o) {
  syncs += o.syncs;
  requests += o.requests;
  sent += o.sent;
  accepted += o.accepted;
  conflicts += o.conflicts;
  rejected += o.rejected;
  pulled += o.pulled;
  notices += o.notices;
  uploaded += o.uploaded;
  upload_bytes += o.upload_bytes;
  evicted += o.evicted;
  return *this;
}

Status SyncEngine::sync(int64_t now_ms) {
  std::set<std::string> missing;
  for (int round = 0; round < options_.max_rounds; ++round) {
    OutgoingSync out = store_.nextRequest(options_.limit, options_.max_writes);
    auto answer = channel_.exchange(out.request);
    if (!answer.isOk()) return answer.status();
    auto counts = store_.adoptAnswer(out, answer.value());
    if (!counts.isOk()) return counts.status();
    ++totals_.requests;
    totals_.sent += static_cast<int64_t>(out.writes);
    totals_.accepted += counts->accepted;
    totals_.conflicts += counts->conflicts;
    totals_.rejected += counts->rejected;
    totals_.pulled += counts->pulled;
    totals_.notices += counts->notices;
    missing.insert(counts->missing_attachments.begin(), counts->missing_attachments.end());
    // Writes made while this request was in flight wait for the next trigger: a phone being
    // edited must not keep one sync running for ever.
    if (!counts->more && out.writes < options_.max_writes) break;
  }
  if (blobs_ != nullptr) {
    UploadCounts uploads;
    Status s =
        AttachmentUploader(store_, *blobs_, options_.chunk_bytes).run(missing, now_ms, uploads);
    totals_.uploaded += uploads.uploaded;
    totals_.upload_bytes += uploads.bytes;
    if (!s.isOk()) return s;
  }
  auto evicted = store_.evictBlobs(now_ms, options_.grace_ms);
  if (!evicted.isOk()) return evicted.status();
  totals_.evicted += evicted.value();
  ++totals_.syncs;
  return Status::ok();
}

}  // namespace yard::device
