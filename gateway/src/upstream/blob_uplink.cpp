#include "upstream/blob_uplink.h"

#include <spdlog/spdlog.h>

namespace yard::upstream {

Result<bool> BlobUplink::recordsPending() {
  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  auto stats = txn->outboxStats();
  if (!stats.isOk()) return stats.status();
  return stats->count > 0;
}

Status BlobUplink::run(const std::function<bool()>& stop) {
  for (const auto& sha : attachments_.takeFetchRequests()) {
    if (stop()) return Status::ok();
    Status s = transport_.blobFetch(sha, attachments_.fetchPath(sha));
    if (s.code() == Code::kNotFound || s.code() == Code::kPermanent) {
      spdlog::warn("[upstream] cannot fetch attachment {} back: {}", sha, s.message());
      attachments_.fetchFailed(sha);
      continue;
    }
    if (!s.isOk()) return s;
    if (Status filed = attachments_.fetched(sha); !filed.isOk())
      spdlog::warn("[upstream] fetched attachment {} not filed: {}", sha, filed.message());
  }
  auto blobs = attachments_.unconfirmed();
  if (!blobs.isOk()) return blobs.status();
  for (const auto& blob : blobs.value()) {
    if (stop()) return Status::ok();
    auto pending = recordsPending();
    if (!pending.isOk()) return pending.status();
    if (pending.value()) return Status::ok();  // records first; the loop comes back for the rest
    Status s =
        transport_.blobPush(blob.sha256, attachments_.blobPath(blob.sha256), blob.size, blob.mime);
    if (!s.isOk()) return s;
    if (Status c = attachments_.confirm(blob.sha256); !c.isOk()) return c;
    spdlog::info("[upstream] attachment {} ({} bytes) confirmed upstream", blob.sha256, blob.size);
  }
  return Status::ok();
}

}  // namespace yard::upstream
