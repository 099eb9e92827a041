#pragma once

#include <deque>
#include <functional>
#include <future>
#include <optional>
#include <set>
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
  int pulled = 0;      // changes adopted or already known
  int overlapped = 0;  // requests sent while another one was in flight
  bool more = false;   // stopped by max_requests with work left
};

// One upstream round (DESIGN §3, §4 as a node client): push every pending write of the outbox
// with its stamp and origin, adopt upstream's answer for each, pull upstream's changes for the
// site until there are no more. Each exchange is applied in one transaction together with the
// cursor it moves, so a crash or a lost response at any point loses and duplicates nothing:
// the outbox row stays until its answer is applied, and upstream recognises a write it has seen
// by its write_id.
//
// Exchanges are pipelined so neither side waits for the other: while upstream decides exchange
// N, the next batch is read from the outbox (skipping the records of exchanges not yet applied,
// so no row is in two requests at once) and the answer to N-1 is committed on a thread of its
// own. Answers are applied in the order the requests were sent. The envelope (cursor, brief) is
// written at send time, from the last answer read. A transport that carries several syncs at
// once gets more requests while the first is in flight, once pulling has caught up (two pulls
// from one cursor would fetch the same page twice); each lists the stamps of the others, and of
// any write that may lie past its cursor, in `in_flight` so the hub does not send them back as
// changes (docs/protocol.md, docs/upstream.md).
class UpstreamRound {
 public:
  UpstreamRound(const sync::NodeIdentity& node, std::string upstream_device, store::Store& store,
                sync::CommitQueue& writer, sync::NodeClock& clock, Transport& transport,
                RoundLimits limits = {});

  // Runs until the outbox is empty and upstream has no more changes, or should_stop says so.
  Result<RoundResult> run(const std::function<bool()>& should_stop);

  // Called after each committed exchange with the upstream versions it made canonical here
  // (for change notifications to phones). Set before the first run(); runs on a thread run()
  // starts, one answer at a time.
  using AdoptedListener = std::function<void(const std::vector<core::Record>&)>;
  void onAdopted(AdoptedListener listener) { on_adopted_ = std::move(listener); }

 private:
  struct Pushed {
    std::string write_id, record_id, stamp;  // write_id empty: nothing to push, clear the row
  };
  struct Batch {
    std::string writes;  // the serialized writes, comma-separated
    std::vector<Pushed> pushed;
  };
  struct Flight {
    Batch batch;
    std::vector<std::string> alongside;       // stamps of the requests in flight when it left
    std::future<Result<std::string>> answer;  // the transport's sync, running on its own thread
  };

  // The next batch of the outbox, skipping records in `in_flight`.
  Result<Batch> buildBatch(const std::set<std::string>& in_flight);
  Result<std::string> pushedWriteOf(store::Txn& txn, const store::OutboxRow& row,
                                    const store::RecordRow& stored);
  static void appendStamps(std::vector<std::string>& out, const std::vector<Pushed>& pushed);
  std::string requestBody(const Batch& batch, const std::vector<std::string>& in_flight) const;
  // True when refusal is an older hub naming an extension (brief results, in_flight), which
  // is then no longer used.
  bool learnFromRefusal(const Status& refusal);
  static Result<core::Json> readAnswer(const std::string& text);
  Status exchange(RoundResult& counts, const std::function<bool()>& should_stop);

  // Applies answers in order on a thread of their own: startApplying waits for the previous
  // answer's commit (adding its counts) before it starts this one.
  Status startApplying(Batch batch, core::Json response, RoundResult& counts);
  Status finishApplying(RoundResult& counts);
  Status commitAnswer(const Batch& batch, const core::Json& response, RoundResult& counts);
  Status apply(store::Txn& txn, const Batch& batch, const core::Json& response,
               RoundResult& counts);
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
  // Requests in flight at once: the transport's concurrent_syncs, at most three (on a
  // 10 Mbit/s link two still left it idle between requests; docs/performance.md), one if
  // the hub refuses in_flight.
  int lanes_ = 1;
  AdoptedListener on_adopted_;
  std::optional<std::string> cursor_;  // upstream's change feed, as of the last answer read
  // Stamps of our writes that may lie past cursor_ in upstream's feed: those of requests that
  // were in flight when the answer giving cursor_ was asked for (upstream may have committed
  // them after that answer's pull), and those of answers that left changes to pull. Listed in
  // in_flight with the requests in flight, so upstream never sends our own writes back.
  std::vector<std::string> past_cursor_;
  std::vector<core::Record> adopted_;  // by the answer being applied (one at a time)
  std::future<Status> applying_;
  std::set<std::string> applying_ids_;  // records of the answer being applied
  RoundResult applied_counts_;
};

// The meta key holding the cursor of upstream's change feed.
inline constexpr const char* kUpstreamCursorKey = "upstream_cursor";

}  // namespace yard::upstream
