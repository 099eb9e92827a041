#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/reconciler.h"
#include "core/record_type.h"
#include "store/store.h"
#include "sync/caller.h"
#include "sync/node_clock.h"
#include "sync/sync_request.h"

namespace yard::sync {

struct WriteResult {
  std::string write_id;
  std::string id;
  core::WriteStatus status = core::WriteStatus::kRejected;
  // The canonical version after this write (none: none); for a new version without its body,
  // which record_doc holds.
  std::optional<core::Record> record;
  std::string reason;
  bool new_version = false;  // this write produced a new canonical version
  std::string record_doc;    // for a new version: record as stored, so answers need not dump it
};

// Who decides and how notices speak of it.
struct NodeIdentity {
  std::string node_id;
  std::string site;
  std::string where;          // "the gateway" or "head office", as notices say it
  bool has_upstream = false;  // queue every new local version in the outbox
};

// Carries out one request's writes inside the caller's write transaction: looks up the stored
// state, asks the reconciler, and stores what it decided (canonical version, write id, audit
// rows, inbox notices). Runs on the writer thread only.
class BatchApplier {
 public:
  BatchApplier(const NodeIdentity& node, const core::RecordTypeRegistry& types, NodeClock& clock)
      : node_(node), types_(types), clock_(clock) {}

  // The checks that need no stored state (core::precheckWrite), on the caller's thread: the
  // writer thread every device waits for then only looks up, decides and stores.
  void precheck(const Caller& caller, SyncRequest& request) const;

  // Fills results (cleared first) in request order; precheck() must have run on request. An error
  // means the store failed; the transaction must then be abandoned. Each write's body is moved
  // into the version being decided rather than copied (a deep copy per write on the writer
  // thread held up every device) and moved back before apply returns, also on error, so a
  // request the commit queue runs again is whole. A new version's result therefore has no body:
  // its stored document (record_doc) has it.
  Status apply(store::Txn& txn, const Caller& caller, SyncRequest& request,
               std::vector<WriteResult>& results);

 private:
  Status applyOne(store::Txn& txn, const Caller& caller, WriteRequest& write, WriteResult& result);
  Status overwrite(store::Txn& txn, const core::Record& canonical, const core::Record& next);

  const NodeIdentity& node_;
  const core::RecordTypeRegistry& types_;
  NodeClock& clock_;
};

// Puts a notice about version `about` in its author's inbox. Notices go only to devices whose
// writes this node stamped itself: a hub leaves telling the phone to the gateway that stamped
// it. Idempotent on notice_id.
Status notifyAuthor(store::Txn& txn, const NodeIdentity& node, int64_t now_ms,
                    const core::Record& about, const std::string& kind,
                    const std::string& notice_id, const std::string& text,
                    const core::Record* kept);

// Loads and parses the canonical record of id (nullopt when there is none).
Result<std::optional<core::Record>> loadRecord(store::Txn& txn, const std::string& id);
// Stores record as the canonical version (seq assigned by the store). body_text: record.body
// already dumped, if the caller has it.
// doc, when given, receives the document stored (what an answer sends for this version).
Status storeRecord(store::Txn& txn, const core::Record& record, std::string_view body_text = {},
                   std::string* doc = nullptr);

}  // namespace yard::sync
