#pragma once

#include <cstdint>

#include "core/status.h"
#include "store/store.h"
#include "sync/commit_queue.h"

namespace yard::upstream {

// The first time a node starts with an upstream, every record it already holds is queued for
// pushing (records written while it had none were never put in the outbox). Runs once per
// store: a meta flag remembers it was done.
Status seedOutbox(store::Store& store, sync::CommitQueue& writer, int64_t now_ms);

}  // namespace yard::upstream
