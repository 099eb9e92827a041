#pragma once

#include <cstdint>

#include "client/attachment_uploader.h"
#include "client/gateway_channel.h"
#include "client/phone_store.h"

namespace yard::device {

struct SyncOptions {
  int limit = 500;                // page size of the change pull
  size_t max_writes = 1000;       // writes per request (the gateway takes up to 5000)
  int max_rounds = 1000;          // requests per sync, a bound against a phone edited nonstop
  int64_t chunk_bytes = 1 << 20;  // tus PATCH size
  int64_t grace_ms = 24LL * 3600 * 1000;  // keep confirmed attachments this long
};

// What syncs did, summed.
struct SyncTotals {
  int64_t syncs = 0, requests = 0, sent = 0, accepted = 0, conflicts = 0, rejected = 0, pulled = 0,
          notices = 0, uploaded = 0, upload_bytes = 0, evicted = 0;
  SyncTotals& operator+=(const SyncTotals& o);
};

// One sync (DESIGN §4): sends every pending write, adopts each answer, pulls changes with the
// cursor until the gateway says there are no more; then uploads the attachments the gateway
// wants and evicts local copies confirmed longer than the grace window. Each answer is adopted
// in one transaction, so a kill between any two steps loses nothing: the next sync sends the
// same pending writes again and the gateway answers them from their write_ids.
class SyncEngine {
 public:
  // blobs may be null (a channel without attachments): uploads wait for one that has them.
  SyncEngine(PhoneStore& store, SyncChannel& channel, BlobChannel* blobs, SyncOptions options = {})
      : store_(store), channel_(channel), blobs_(blobs), options_(options) {}

  // kRetry: the link failed part-way (what was adopted stays adopted); kPermanent: refused.
  Status sync(int64_t now_ms);
  const SyncTotals& totals() const { return totals_; }

 private:
  PhoneStore& store_;
  SyncChannel& channel_;
  BlobChannel* blobs_;
  SyncOptions options_;
  SyncTotals totals_;
};

}  // namespace yard::device
