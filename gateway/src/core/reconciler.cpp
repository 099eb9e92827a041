#include "core/reconciler.h"

namespace yard::core {

std::string_view toString(WriteStatus status) {
  switch (status) {
    case WriteStatus::kAccepted:
      return "accepted";
    case WriteStatus::kConflict:
      return "conflict";
    case WriteStatus::kRejected:
      return "rejected";
  }
  return "rejected";
}

std::optional<std::string> precheckWrite(const Record& incoming, const RecordType* type,
                                         std::string_view caller_site, std::string_view body_json) {
  if (type == nullptr) return "unknown record type '" + incoming.type + "'";
  if (incoming.site != caller_site)
    return "record belongs to site '" + incoming.site + "', this device is enrolled at '" +
           std::string(caller_site) + "'";
  return type->checkVersion(incoming, body_json);
}

namespace {

Decision rejected(std::string reason) {
  Decision d;
  d.status = WriteStatus::kRejected;
  d.reason = std::move(reason);
  return d;
}

Decision accepted() {
  Decision d;
  d.status = WriteStatus::kAccepted;
  d.make_canonical = true;
  d.remember_write = true;
  return d;
}

}  // namespace

Decision decide(const Record& incoming, const std::optional<std::string>& base,
                const Record* canonical, const RecordType& type) {
  if (canonical == nullptr) {
    if (auto why = type.checkTransition(nullptr, incoming)) return rejected(*why);
    return accepted();
  }
  // Record ids are global; a device of another site that learns one must not reach the record
  // through it, whatever the stamps say.
  if (canonical->site != incoming.site) return rejected("this record belongs to another site");
  if (incoming.stamp == canonical->stamp) {
    // The very version that is canonical (a trusted node resending under a new write_id).
    Decision d;
    d.status = WriteStatus::kAccepted;
    d.remember_write = true;
    d.keep_canonical_stamp = true;
    return d;
  }
  if (incoming.stamp < canonical->stamp) {
    // A later write is already canonical: this one loses, but is kept for the audit.
    Decision d;
    d.status = WriteStatus::kConflict;
    d.reason = "a newer change to this record is already kept";
    d.remember_write = true;
    d.audit_incoming = !incoming.sameContent(*canonical);
    return d;
  }
  if (auto why = type.checkTransition(canonical, incoming)) return rejected(*why);
  if (incoming.sameContent(*canonical) && type.immutable()) {
    // Re-recording an identical immutable record (a gate event sent twice under two write ids)
    // must not mint a second version.
    Decision d;
    d.status = WriteStatus::kAccepted;
    d.remember_write = true;
    d.keep_canonical_stamp = true;
    return d;
  }
  Decision d = accepted();
  const bool concurrent = !base || *base != canonical->stamp;
  d.audit_canonical = concurrent && !incoming.sameContent(*canonical);
  return d;
}

Decision decideRetransmit(std::string_view original_stamp, const Record* canonical) {
  Decision d;
  if (canonical != nullptr && canonical->stamp == original_stamp) {
    d.status = WriteStatus::kAccepted;
  } else {
    d.status = WriteStatus::kConflict;
    d.reason = "this change was already received and a later change has replaced it";
  }
  return d;
}

}  // namespace yard::core
