#include "client/local_adoption.h"

#include "core/adoption.h"

namespace yard::device {
namespace {

// Canonical versions only move forward: an answer or a change page may carry a version older
// than one already adopted (a retransmitted answer, pages that crossed).
void adoptCanonical(LocalRow& row, const core::Record& incoming) {
  const core::Record* held = row.canonical ? &*row.canonical : nullptr;
  if (core::decideAdoption(incoming, held, "").store) row.canonical = incoming;
}

void dropLocal(LocalRow& row) {
  row.local.reset();
  row.write_id.clear();
  row.base.clear();
}

}  // namespace

Result<WriteResult> writeResultFromJson(const core::Json& json) {
  if (!json.is_object()) return Status::invalid("a result must be an object");
  WriteResult r;
  r.write_id = json.value("write_id", "");
  r.id = json.value("id", "");
  const std::string status = json.value("status", "");
  if (status == "accepted")
    r.status = core::WriteStatus::kAccepted;
  else if (status == "conflict")
    r.status = core::WriteStatus::kConflict;
  else if (status == "rejected")
    r.status = core::WriteStatus::kRejected;
  else
    return Status::invalid("unknown result status '" + status + "'");
  if (auto it = json.find("record"); it != json.end() && !it->is_null()) {
    auto record = core::recordFromJson(*it);
    if (!record.isOk()) return record.status();
    r.record = std::move(record.value());
  }
  r.reason = json.value("reason", "");
  return r;
}

void applyLocalEdit(LocalRow& row, core::Record version, std::string write_id) {
  if (!row.pending()) row.base = row.canonical ? row.canonical->stamp : "";
  version.stamp.clear();
  version.write_id = write_id;
  version.base = row.base;
  row.local = std::move(version);
  row.write_id = std::move(write_id);
}

void adoptResult(LocalRow& row, const WriteResult& result) {
  const bool answered_edit_is_latest = row.pending() && row.write_id == result.write_id;
  if (result.record) adoptCanonical(row, *result.record);
  if (answered_edit_is_latest) {
    // accepted: the canonical version is ours; conflict: adopt what was kept; rejected: adopt
    // the canonical version, or drop the draft when there is none.
    dropLocal(row);
    return;
  }
  // A later edit is pending. It was made on top of the answered one, so once that one is
  // accepted it is the later edit's base; otherwise the base stays, and the gateway will see
  // the later edit raced what it kept.
  if (row.pending() && result.status == core::WriteStatus::kAccepted && result.record) {
    row.base = result.record->stamp;
    row.local->base = row.base;
  }
}

void adoptChange(LocalRow& row, const core::Record& canonical) { adoptCanonical(row, canonical); }

core::Json toWrite(const LocalRow& row) {
  const core::Record& v = *row.local;
  core::Json attachments = core::Json::array();
  for (const auto& a : v.attachments) attachments.push_back(core::toJson(a));
  return core::Json{{"write_id", row.write_id},
                    {"id", v.id},
                    {"type", v.type},
                    {"base", row.base.empty() ? core::Json(nullptr) : core::Json(row.base)},
                    {"deleted", v.deleted},
                    {"body", v.body},
                    {"attachments", std::move(attachments)},
                    {"assigned_to", v.assigned_to},
                    {"client_time", v.client_time}};
}

}  // namespace yard::device
