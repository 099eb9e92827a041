#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/record.h"
#include "core/record_type.h"
#include "core/status.h"
#include "store/store.h"
#include "sync/batch_applier.h"
#include "sync/caller.h"
#include "sync/commit_queue.h"
#include "sync/device_activity.h"
#include "sync/node_clock.h"
#include "sync/unanswered_writes.h"

namespace yard::sync {

// The node's one sync engine (DESIGN §4). Every channel (HTTP, MQTT, a hub's node clients)
// calls sync(); the answer is the same JSON whichever way it arrived. Thread-safe.
class SyncService {
 public:
  // Called after each commit with the records that got a new canonical version (for change
  // notifications and the upstream trigger). Runs on the caller's thread; keep it short.
  using ChangeListener = std::function<void(const std::vector<core::Record>&)>;
  // Called after each commit of device writes with their results, whatever their outcome (for
  // /metrics and the status page's history). Same thread and rule as ChangeListener.
  using ResultListener = std::function<void(const std::vector<WriteResult>&)>;

  SyncService(NodeIdentity node, store::Store& store, CommitQueue& writer,
              const core::RecordTypeRegistry& types, NodeClock& clock, DeviceActivity& activity);

  // One sync exchange. Errors: invalid (400: nothing applied), forbidden (403), retry (503:
  // storage busy or shutting down; nothing was acknowledged), permanent (500).
  // The answer is JSON text (an object), ready to send. arrival: from arrival(), taken when the
  // request came in, before its body was read.
  Result<std::string> sync(const Caller& caller, core::Json request,
                           std::optional<UnansweredWrites::Registration> arrival = std::nullopt);

  // A node client's request as it comes in, before its body is read: passed to sync(), it orders
  // the node's requests as they arrived (UnansweredWrites). Nothing for phones.
  std::optional<UnansweredWrites::Registration> arrival(const Caller& caller);

  // GET /v1/admin/conflicts: audit rows, newest first.
  Result<core::Json> conflicts(int64_t before_id, int limit);

  // Makes audit row audit_id (which must be of record_id) canonical again under a fresh stamp;
  // the displaced version is audited in turn. notFound, conflict (already restored, or the
  // workflow forbids it), or the restored record.
  Result<core::Json> restore(const std::string& record_id, int64_t audit_id);

  // Given the records just accepted from a device, the sha256s they reference that the node
  // does not hold (DESIGN §4 missing_attachments). Unset (no attachment store): none reported.
  using AttachmentCheck =
      std::function<Result<std::vector<std::string>>(const std::vector<core::Record>&)>;
  void setAttachmentCheck(AttachmentCheck check) { attachment_check_ = std::move(check); }

  void addChangeListener(ChangeListener listener);
  void addResultListener(ResultListener listener);

  const NodeIdentity& node() const { return node_; }

 private:
  struct Page {
    std::string changes;  // the visible stored documents, comma-separated
    int64_t cursor = 0;
    bool more = false;
  };
  // Versions whose stamp is in leave_out are passed over (the caller holds them).
  Result<Page> pullChanges(const Caller& caller, int64_t after, int limit,
                           const std::set<std::string>& leave_out);
  void publish(std::vector<WriteResult>& results);  // moves new versions out
  void publish(const std::vector<core::Record>& changed);

  NodeIdentity node_;
  store::Store& store_;
  CommitQueue& writer_;
  const core::RecordTypeRegistry& types_;
  NodeClock& clock_;
  DeviceActivity& activity_;
  BatchApplier applier_;
  std::mutex listeners_mu_;
  std::vector<ChangeListener> listeners_;
  std::vector<ResultListener> result_listeners_;
  AttachmentCheck attachment_check_;  // set before serving, then read-only
  UnansweredWrites unanswered_;
};

// Whether caller may see record in its change feed (DESIGN §4): records of its site assigned to
// its operator or to the whole site, plus records it wrote; node clients see their whole site.
bool visibleTo(const core::Record& record, const Caller& caller);

// Appends one entry of an answer's `results` (DESIGN §4; brief: the `"brief": true` extension).
void appendResult(std::string& out, const WriteResult& result, bool brief = false);

}  // namespace yard::sync
