#pragma once

#include <functional>

#include "attachments/attachment_service.h"
#include "core/status.h"
#include "store/store.h"
#include "upstream/transport.h"

namespace yard::upstream {

// The blob step of an upstream round (DESIGN §6), run on the upstream loop's thread after a
// record exchange that left no record pending: first fetches back the evicted blobs phones are
// waiting for, then pushes the blobs upstream does not confirm yet, smallest first (blob_push
// HEADs first and resumes a partial upload). Records are never held back by photos: before
// each push it checks the outbox and stops if records are waiting, so the loop runs a record
// round first. A blob upstream holds whole is marked confirmed (its grace window starts).
class BlobUplink {
 public:
  BlobUplink(attachments::AttachmentService& attachments, store::Store& store, Transport& transport)
      : attachments_(attachments), store_(store), transport_(transport) {}

  // stop() says the loop is shutting down. Errors are the transport's (retry: the link).
  Status run(const std::function<bool()>& stop);

 private:
  Result<bool> recordsPending();

  attachments::AttachmentService& attachments_;
  store::Store& store_;
  Transport& transport_;
};

}  // namespace yard::upstream
