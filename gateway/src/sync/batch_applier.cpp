#include "sync/batch_applier.h"

#include "core/notice_text.h"
#include "core/stamp.h"

namespace yard::sync {

using core::Decision;
using core::Record;
using core::WriteStatus;

Result<std::optional<Record>> loadRecord(store::Txn& txn, const std::string& id) {
  auto row = txn.getRecord(id);
  if (!row.isOk()) return row.status();
  if (!row->has_value()) return std::optional<Record>();
  auto json = core::Json::parse((*row)->doc, nullptr, false);
  auto record = core::recordFromJson(json);
  if (!record.isOk())
    return Status::permanent("stored record " + id +
                             " is unreadable: " + record.status().message());
  return std::optional<Record>(std::move(record.value()));
}

Status storeRecord(store::Txn& txn, const Record& record, std::string_view body_text,
                   std::string* doc) {
  store::RecordRow row{record.id,    record.site, record.type,
                       record.stamp, 0,           core::toJsonText(record, body_text)};
  auto seq = txn.putRecord(row);
  if (!seq.isOk()) return seq.status();
  if (doc) *doc = std::move(row.doc);
  return Status::ok();
}

void BatchApplier::precheck(const Caller& caller, SyncRequest& request) const {
  for (auto& write : request.writes)
    write.rejection = core::precheckWrite(write.version, types_.find(write.version.type),
                                          caller.site, write.body_text);
}

Status BatchApplier::apply(store::Txn& txn, const Caller& caller, SyncRequest& request,
                           std::vector<WriteResult>& results) {
  results.clear();
  results.resize(request.writes.size());
  for (size_t i = 0; i < request.writes.size(); ++i) {
    if (Status s = applyOne(txn, caller, request.writes[i], results[i]); !s.isOk()) return s;
  }
  for (const auto& notice_id : request.inbox_ack) {
    if (Status s = txn.ackNotice(caller.device, notice_id); !s.isOk()) return s;
  }
  return Status::ok();
}

Status notifyAuthor(store::Txn& txn, const NodeIdentity& node, int64_t now, const Record& about,
                    const std::string& kind, const std::string& notice_id, const std::string& text,
                    const Record* kept) {
  if (about.origin.node != node.node_id || about.origin.device.empty()) return Status::ok();
  core::Json doc{{"notice", notice_id},
                 {"record", about.id},
                 {"kind", kind},
                 {"text", text},
                 {"kept", kept ? core::toJson(*kept) : core::Json(nullptr)},
                 {"yours", core::toJson(about)},
                 {"at", now}};
  return txn.addNotice(store::NoticeRow{notice_id, about.origin.device, about.id, doc.dump(), now});
}

Status BatchApplier::overwrite(store::Txn& txn, const Record& canonical, const Record& next) {
  // The version being replaced lost to a concurrent write: keep it for the admin and tell its
  // author. Versions written before write ids were kept fall back to their stamp as identity.
  const std::string lost_write = canonical.write_id.empty() ? canonical.stamp : canonical.write_id;
  store::AuditRow audit{0,
                        canonical.id,
                        lost_write,
                        core::toJsonText(canonical),
                        core::toJsonText(next),
                        clock_.wallMs(),
                        false};
  auto id = txn.addAudit(audit);
  if (!id.isOk()) return id.status();
  return notifyAuthor(txn, node_, clock_.wallMs(), canonical, "conflict", "c-" + lost_write,
                      core::conflictText(canonical, next, node_.where), &next);
}

Status BatchApplier::applyOne(store::Txn& txn, const Caller& caller, WriteRequest& write,
                              WriteResult& result) {
  result = WriteResult{};
  result.write_id = write.write_id;
  result.id = write.version.id;
  auto canonical = loadRecord(txn, write.version.id);
  if (!canonical.isOk()) return canonical.status();
  if (canonical->has_value() && (*canonical)->site != caller.site) {
    // Never show, or let anyone touch, another site's record through a guessed or leaked id.
    result.status = WriteStatus::kRejected;
    result.reason = "this record belongs to another site";
    return Status::ok();
  }
  // The answer carries the canonical version unless this write replaces it (moved, not copied:
  // this runs on the writer thread, where every copy of a record holds up all devices).
  result.record = std::move(canonical.value());
  const Record* current = result.record ? &*result.record : nullptr;

  auto known = txn.getWrite(write.write_id);
  if (!known.isOk()) return known.status();
  if (known->has_value()) {
    if ((*known)->record_id != write.version.id) {
      result.reason = "write_id " + write.write_id + " was already used for another record";
      return Status::ok();
    }
    Decision d = core::decideRetransmit((*known)->stamp, current);
    result.status = d.status;
    result.reason = d.reason;
    return Status::ok();
  }

  // The body is lent to next (see apply) and goes back to the request however this returns:
  // from next, or from the result that next became.
  core::Json lent = std::move(write.version.body);
  Record next = write.version;
  next.body = std::move(lent);
  struct GiveBack {
    core::Json& home;
    Record& next;
    WriteResult& result;
    ~GiveBack() {
      home = std::move(result.new_version && result.record ? result.record->body : next.body);
    }
  } give_back{write.version.body, next, result};
  next.write_id = write.write_id;
  next.base = write.base.value_or("");
  if (!write.has_assigned_to && current) next.assigned_to = current->assigned_to;
  const core::RecordType* type = types_.find(next.type);

  Decision d;
  if (write.rejection) {
    d.status = WriteStatus::kRejected;
    d.reason = *write.rejection;
  } else {
    if (next.stamp.empty()) {
      next.stamp = clock_.nextAfter(current ? current->stamp : std::string()).encode();
      next.origin.node = node_.node_id;
    } else {
      clock_.observe(*core::Stamp::parse(next.stamp));  // parsed when the request was read
    }
    d = core::decide(next, write.base, current, *type);
  }
  result.status = d.status;
  result.reason = d.reason;

  switch (d.status) {
    case WriteStatus::kRejected:
      if (caller.node) return Status::ok();  // the node that sent it tells its own phone
      next.origin.node = node_.node_id;
      return notifyAuthor(txn, node_, clock_.wallMs(), next, "rejected", "r-" + write.write_id,
                          core::rejectedText(next, d.reason, current, node_.where), current);
    case WriteStatus::kConflict: {
      if (Status s = txn.putWrite({write.write_id, next.id, next.stamp}); !s.isOk()) return s;
      if (!d.audit_incoming) return Status::ok();
      store::AuditRow audit{0,
                            next.id,
                            write.write_id,
                            core::toJsonText(next),
                            core::toJsonText(*current),
                            clock_.wallMs(),
                            false};
      if (auto id = txn.addAudit(audit); !id.isOk()) return id.status();
      return notifyAuthor(txn, node_, clock_.wallMs(), next, "conflict", "c-" + write.write_id,
                          core::conflictText(next, *current, node_.where), current);
    }
    case WriteStatus::kAccepted:
      break;
  }
  if (d.keep_canonical_stamp) return txn.putWrite({write.write_id, next.id, current->stamp});
  if (d.audit_canonical) {
    if (Status s = overwrite(txn, *current, next); !s.isOk()) return s;
  }
  if (Status s = storeRecord(txn, next, write.body_text, &result.record_doc); !s.isOk()) return s;
  if (Status s = txn.putWrite({write.write_id, next.id, next.stamp}); !s.isOk()) return s;
  if (node_.has_upstream) {
    // Upstream knows the record as of the base the first unsent version was made from; the
    // store keeps that base when a later local version replaces an unsent one.
    if (Status s = txn.putOutbox({next.id, next.stamp, next.base, clock_.wallMs()}); !s.isOk())
      return s;
  }
  result.record = std::move(next);  // last: current points into the record it replaces
  result.new_version = true;
  return Status::ok();
}

}  // namespace yard::sync
