#include "sync/sync_service.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>

#include "core/iso_time.h"
#include "core/json_text.h"
#include "core/notice_text.h"
#include "core/reconciler.h"

namespace yard::sync {
namespace {

constexpr int kInboxPage = 100;
// A pull reads at most this many change rows per call however few are visible to the caller,
// so one request never scans a whole large site; `more` tells the device to call again.
constexpr int kMaxScannedPerPull = 5000;

}  // namespace

bool visibleTo(const core::Record& record, const Caller& caller) {
  if (record.site != caller.site) return false;
  if (caller.node || record.assigned_to.empty()) return true;
  if (record.origin.device == caller.device) return true;
  return std::find(record.assigned_to.begin(), record.assigned_to.end(), caller.operator_id) !=
         record.assigned_to.end();
}

void appendResult(std::string& out, const WriteResult& result, bool brief) {
  out += '{';
  core::appendKey(out, "id", true);
  core::appendJsonString(out, result.id);
  if (result.status != core::WriteStatus::kAccepted) {
    core::appendKey(out, "reason");
    core::appendJsonString(out, result.reason);
  }
  if (brief && result.status == core::WriteStatus::kAccepted && result.record) {
    core::appendKey(out, "stamp");
    core::appendJsonString(out, result.record->stamp);
  } else {
    core::appendKey(out, "record");
    if (!result.record_doc.empty())
      out += result.record_doc;
    else
      out += result.record ? core::toJsonText(*result.record) : "null";
  }
  core::appendKey(out, "status");
  core::appendJsonString(out, core::toString(result.status));
  core::appendKey(out, "write_id");
  core::appendJsonString(out, result.write_id);
  out += '}';
}

SyncService::SyncService(NodeIdentity node, store::Store& store, CommitQueue& writer,
                         const core::RecordTypeRegistry& types, NodeClock& clock,
                         DeviceActivity& activity)
    : node_(std::move(node)),
      store_(store),
      writer_(writer),
      types_(types),
      clock_(clock),
      activity_(activity),
      applier_(node_, types_, clock_) {}

void SyncService::addChangeListener(ChangeListener listener) {
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(listener));
}

void SyncService::addResultListener(ResultListener listener) {
  std::lock_guard lock(listeners_mu_);
  result_listeners_.push_back(std::move(listener));
}

void SyncService::publish(const std::vector<core::Record>& changed) {
  if (changed.empty()) return;
  std::vector<ChangeListener> listeners;
  {
    std::lock_guard lock(listeners_mu_);
    listeners = listeners_;
  }
  for (auto& listener : listeners) listener(changed);
}

void SyncService::publish(std::vector<WriteResult>& results) {
  std::vector<ResultListener> result_listeners;
  bool change_listeners = false;
  {
    std::lock_guard lock(listeners_mu_);
    result_listeners = result_listeners_;
    change_listeners = !listeners_.empty();
  }
  for (auto& listener : result_listeners) listener(results);
  if (!change_listeners) return;
  std::vector<core::Record> changed;
  for (auto& r : results)
    if (r.new_version && r.record) changed.push_back(std::move(*r.record));
  publish(changed);
}

std::optional<UnansweredWrites::Registration> SyncService::arrival(const Caller& caller) {
  if (!caller.node) return std::nullopt;
  return unanswered_.arrive(caller.device);
}

Result<std::string> SyncService::sync(const Caller& caller, core::Json body,
                                      std::optional<UnansweredWrites::Registration> arrival) {
  auto parsed = parseSyncRequest(std::move(body), caller);
  if (!parsed.isOk()) return parsed.status();
  SyncRequest& request = parsed.value();
  if (request.device != caller.device)
    return Status::forbidden("this token belongs to device '" + caller.device + "', not '" +
                             request.device + "'");

  std::vector<WriteResult> results;
  // Listeners hear of every committed write, whatever becomes of the answer. They run on the
  // way out, after the answer is written, because publish() moves the new versions out.
  struct PublishOnExit {
    SyncService* service = nullptr;
    std::vector<WriteResult>& results;
    ~PublishOnExit() {
      if (!service) return;
      try {
        service->publish(results);
      } catch (const std::exception& e) {
        spdlog::error("[sync] a change listener failed: {}", e.what());
      }
    }
  } publish_on_exit{nullptr, results};
  // A node's stamps are known before they are applied: registered (in the order the requests
  // arrived, when the channel says) from before the commit until the answer is written and
  // every earlier request of the node is answered, so another request of the same node never
  // pulls them.
  if (caller.node) {
    std::vector<std::string> stamps;
    stamps.reserve(request.writes.size());
    for (const auto& w : request.writes) stamps.push_back(w.version.stamp);
    if (!arrival) arrival.emplace(unanswered_.arrive(caller.device));
    arrival->setStamps(stamps);
  }
  if (!request.writes.empty() || !request.inbox_ack.empty()) {
    applier_.precheck(caller, request);
    Status s =
        writer_.run([&](store::Txn& txn) { return applier_.apply(txn, caller, request, results); });
    if (!s.isOk()) return s;
    publish_on_exit.service = this;
  }

  DeviceActivity::Entry seen;
  seen.last_sync_ms = clock_.wallMs();
  seen.channel = caller.channel;
  seen.pending = request.pending.value_or(0);
  seen.clock_skew_ms = activity_.get(caller.device, "{}").clock_skew_ms;  // kept until next write
  for (const auto& w : request.writes) {
    if (auto t = core::parseIsoUtcMs(w.version.client_time))
      seen.clock_skew_ms = *t - seen.last_sync_ms;
  }
  activity_.record(caller.device, seen);

  // The caller holds the versions it just wrote (in results), and those it has in flight.
  std::set<std::string> leave_out(request.in_flight.begin(), request.in_flight.end());
  for (const auto& r : results)
    if (r.new_version && r.record) leave_out.insert(r.record->stamp);
  if (caller.node) unanswered_.collect(caller.device, leave_out);
  auto page = pullChanges(caller, request.cursor, request.limit, leave_out);
  if (!page.isOk()) return page.status();

  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  auto notices = txn->listNotices(caller.device, kInboxPage);
  if (!notices.isOk()) return notices.status();

  // The answer is written as text: the changes and notices are stored JSON already, and
  // building a tree of them only to dump it again was a third of a sync's CPU.
  std::string out;
  out.reserve(256 + page->changes.size() + results.size() * 400);
  out += '{';
  core::appendKey(out, "changes", true);
  out += '[';
  out += page->changes;
  out += ']';
  core::appendKey(out, "cursor");
  core::appendJsonString(out, encodeCursor(page->cursor));
  core::appendKey(out, "inbox");
  out += '[';
  bool first = true;
  for (const auto& n : notices.value()) {
    // A notice document that does not parse is left out rather than breaking every sync.
    if (!core::Json::accept(n.doc)) continue;
    if (!first) out += ',';
    first = false;
    out += n.doc;
  }
  out += ']';
  core::appendKey(out, "missing_attachments");
  core::Json missing = core::Json::array();
  if (attachment_check_) {
    std::vector<core::Record> accepted;
    for (const auto& r : results)
      if (r.status == core::WriteStatus::kAccepted && r.record && !r.record->attachments.empty())
        accepted.push_back(*r.record);
    if (!accepted.empty()) {
      auto found = attachment_check_(accepted);
      if (!found.isOk()) return found.status();
      missing = found.value();
    }
  }
  out += missing.dump();
  core::appendKey(out, "more");
  out += page->more ? "true" : "false";
  core::appendKey(out, "results");
  out += '[';
  for (size_t i = 0; i < results.size(); ++i) {
    if (i) out += ',';
    appendResult(out, results[i], request.brief);
  }
  out += "]}";
  return out;
}

Result<SyncService::Page> SyncService::pullChanges(const Caller& caller, int64_t after, int limit,
                                                   const std::set<std::string>& leave_out) {
  Page page;
  page.cursor = after;
  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  int scanned = 0;
  int listed = 0;
  Status failure;
  while (scanned < kMaxScannedPerPull && listed < limit) {
    int rows = 0;
    const int chunk = std::min(limit, kMaxScannedPerPull - scanned);
    Status s = txn->changes(page.cursor, chunk, [&](const store::RecordRow& row) {
      ++rows;
      ++scanned;
      page.cursor = row.seq;
      if (row.site != caller.site || leave_out.count(row.stamp)) return true;
      auto record = core::recordFromJson(core::Json::parse(row.doc, nullptr, false));
      if (!record.isOk()) {
        failure = Status::permanent("stored record " + row.id + " is unreadable");
        return false;
      }
      if (!visibleTo(record.value(), caller)) return true;
      if (listed) page.changes += ',';
      page.changes += row.doc;  // stored docs are canonical JSON already: sent as they are
      return ++listed < limit;
    });
    if (!s.isOk()) return s;
    if (!failure.isOk()) return failure;
    if (rows < chunk && listed < limit) return page;  // reached the end of the sequence
  }
  page.more = true;
  return page;
}

Result<core::Json> SyncService::conflicts(int64_t before_id, int limit) {
  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  auto rows = txn->listAudit(before_id, limit);
  if (!rows.isOk()) return rows.status();
  core::Json out = core::Json::array();
  for (const auto& row : rows.value()) {
    out.push_back({{"audit_id", row.audit_id},
                   {"record", row.record_id},
                   {"lost", core::Json::parse(row.lost_doc, nullptr, false)},
                   {"kept", core::Json::parse(row.kept_doc, nullptr, false)},
                   {"at", row.at_ms},
                   {"restored", row.restored}});
  }
  return out;
}

Result<core::Json> SyncService::restore(const std::string& record_id, int64_t audit_id) {
  Status refusal;
  core::Record restored;
  Status s = writer_.run([&](store::Txn& txn) -> Status {
    refusal = Status::ok();
    auto audit = txn.getAudit(audit_id);
    if (!audit.isOk()) return audit.status();
    if (!audit->has_value() || (*audit)->record_id != record_id) {
      refusal = Status::notFound("record " + record_id + " has no audit entry " +
                                 std::to_string(audit_id));
      return Status::ok();
    }
    if ((*audit)->restored) {
      refusal =
          Status::conflict("audit entry " + std::to_string(audit_id) + " was already restored");
      return Status::ok();
    }
    auto lost = core::recordFromJson(core::Json::parse((*audit)->lost_doc, nullptr, false));
    if (!lost.isOk()) return Status::permanent("audit entry is unreadable");
    auto canonical = loadRecord(txn, record_id);
    if (!canonical.isOk()) return canonical.status();
    const core::Record* current = canonical->has_value() ? &**canonical : nullptr;

    restored = lost.value();
    restored.write_id = "restore-" + std::to_string(audit_id);
    restored.stamp = clock_.nextAfter(current ? current->stamp : std::string()).encode();
    restored.origin.node = node_.node_id;
    restored.base = current ? current->stamp : "";
    if (const auto* type = types_.find(restored.type)) {
      if (auto why = type->checkTransition(current, restored)) {
        refusal = Status::conflict("cannot restore: " + *why);
        return Status::ok();
      }
    }
    if (current) {
      const std::string displaced_write =
          current->write_id.empty() ? current->stamp : current->write_id;
      store::AuditRow displaced{0,
                                record_id,
                                displaced_write,
                                core::toJson(*current).dump(),
                                core::toJson(restored).dump(),
                                clock_.wallMs(),
                                false};
      if (auto id = txn.addAudit(displaced); !id.isOk()) return id.status();
      if (Status n = notifyAuthor(txn, node_, clock_.wallMs(), *current, "restored",
                                  "s-" + displaced_write,
                                  core::displacedByRestoreText(*current, restored), &restored);
          !n.isOk())
        return n;
    }
    if (Status p = storeRecord(txn, restored); !p.isOk()) return p;
    if (Status w = txn.putWrite({restored.write_id, record_id, restored.stamp}); !w.isOk())
      return w;
    if (node_.has_upstream) {
      const std::string base = current ? current->stamp : "";
      if (Status o = txn.putOutbox({record_id, restored.stamp, base, clock_.wallMs()}); !o.isOk())
        return o;
    }
    if (Status m = txn.markRestored(audit_id); !m.isOk()) return m;
    core::Record author = lost.value();  // notify under the lost version's own stamp origin
    return notifyAuthor(txn, node_, clock_.wallMs(), author, "restored", "s-" + restored.write_id,
                        core::restoredText(restored), &restored);
  });
  if (!s.isOk()) return s;
  if (!refusal.isOk()) return refusal;
  publish(std::vector<core::Record>{restored});
  return core::toJson(restored);
}

}  // namespace yard::sync
