#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/record.h"
#include "core/status.h"
#include "store/store.h"
#include "sync/batch_applier.h"
#include "sync/commit_queue.h"
#include "sync/node_clock.h"
#include "upstream/transport.h"

namespace yard::upstream {

struct RoundLimits {
  int max_writes = 500;  // writes per request
  size_t max_request_bytes =
      1 << 20;              // serialized writes per request (upstream's own limit is 8 MiB)
  int pull_limit = 500;     // changes per request
  int max_requests = 1000;  // per round, so a round ends and status is refreshed
};

struct RoundResult {
  int requests = 0;
  int pushed = 0;     // writes upstream answered
  int conflicts = 0;  // of which upstream kept another version
  int rejected = 0;
  int pulled = 0;     // changes adopted or already known
  bool more = false;  // stopped by max_requests with work left
};

// One upstream round (DESIGN §3, §4 as a node client): push every pending write of the outbox
// with its stamp and origin, adopt upstream's answer for each, pull upstream's changes for the
// site until there are no more. Each exchange is applied in one transaction together with the
// cursor it moves, so a crash or a lost response at any point loses and duplicates nothing:
// the outbox row stays until its answer is applied, and upstream recognises a write it has seen
// by its write_id.
class UpstreamRound {
 public:
  UpstreamRound(const sync::NodeIdentity& node, std::string upstream_device, store::Store& store,
                sync::CommitQueue& writer, sync::NodeClock& clock, Transport& transport,
                RoundLimits limits = {});

  // Runs until the outbox is empty and upstream has no more changes, or should_stop says so.
  Result<RoundResult> run(const std::function<bool()>& should_stop);

  // Called after each committed exchange with the upstream versions it made canonical here
  // (for change notifications to phones). Set before the first run(); runs on run()'s thread.
  using AdoptedListener = std::function<void(const std::vector<core::Record>&)>;
  void onAdopted(AdoptedListener listener) { on_adopted_ = std::move(listener); }

 private:
  struct Pushed {
    std::string write_id, record_id, stamp;
  };
  struct Exchange {
    std::string body;  // the sync request, serialized once
    std::vector<Pushed> pushed;
  };

  Result<Exchange> buildExchange();
  Status apply(store::Txn& txn, const Exchange& exchange, const core::Json& response,
               RoundResult& counts, bool& more);
  Status applyResult(store::Txn& txn, const Pushed& pushed, const core::Json& result,
                     RoundResult& counts);
  Status adopt(store::Txn& txn, const core::Record& upstream);
  Status revertRejected(store::Txn& txn, const Pushed& pushed, const core::Record* kept,
                        const std::string& reason);

  const sync::NodeIdentity& node_;
  std::string upstream_device_;
  store::Store& store_;
  sync::CommitQueue& writer_;
  sync::NodeClock& clock_;
  Transport& transport_;
  RoundLimits limits_;
  // Ask for brief results (accepted writes answered by stamp, not echoed whole) until a hub
  // from before that extension refuses the field.
  bool brief_ = true;
  AdoptedListener on_adopted_;
  std::vector<core::Record> adopted_;  // by the exchange being applied
};

// The meta key holding the cursor of upstream's change feed.
inline constexpr const char* kUpstreamCursorKey = "upstream_cursor";

}  // namespace yard::upstream
