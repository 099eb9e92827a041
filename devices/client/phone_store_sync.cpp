// The phone store's sync half: what goes out in a request, adopting the answer, and the index
// of the attachment cache (uploads, confirmation, eviction).

#include <sqlite3.h>

#include <algorithm>
#include <fstream>

#include "client/phone_store.h"
#include "client/sqlite_statement.h"

namespace yard::device {
namespace {

core::Json optionalCursor(const std::optional<std::string>& cursor) {
  return cursor ? core::Json(*cursor) : core::Json(nullptr);
}

}  // namespace

OutgoingSync PhoneStore::nextRequest(int limit, size_t max_writes) {
  std::lock_guard lock(mu_);
  OutgoingSync out;
  core::Json writes = core::Json::array();
  {
    Statement st(prepare("SELECT id FROM records WHERE pending = 1 ORDER BY rowid LIMIT ?"));
    st.bind(static_cast<int64_t>(max_writes));
    std::vector<std::string> ids;
    while (st.step() == SQLITE_ROW) ids.push_back(st.text(0));
    for (const auto& id : ids)
      if (auto row = loadRow(id); row && row->pending()) writes.push_back(toWrite(*row));
  }
  int64_t total_pending = 0;
  {
    Statement st(prepare("SELECT count(*) FROM records WHERE pending = 1"));
    if (st.step() == SQLITE_ROW) total_pending = st.integer(0);
  }
  {
    Statement st(prepare("SELECT notice FROM notices WHERE state = 1 ORDER BY seq"));
    while (st.step() == SQLITE_ROW) out.acked_notices.push_back(st.text(0));
  }
  out.writes = writes.size();
  out.request = core::Json{{"device", meta("device").value_or("")},
                           {"cursor", optionalCursor(meta("cursor"))},
                           {"limit", limit},
                           {"writes", std::move(writes)},
                           {"inbox_ack", out.acked_notices},
                           {"pending", total_pending - static_cast<int64_t>(out.writes)}};
  return out;
}

Result<AdoptCounts> PhoneStore::adoptAnswer(const OutgoingSync& sent, const core::Json& answer) {
  if (!answer.is_object() || !answer.contains("results") || !answer["results"].is_array() ||
      answer["results"].size() != sent.writes)
    return Status::invalid("the sync answer does not have one result per write");
  AdoptCounts counts;
  std::lock_guard lock(mu_);
  Txn txn(*this);
  if (!txn.begun()) return fail("begin");
  for (const auto& item : answer["results"]) {
    auto result = writeResultFromJson(item);
    if (!result.isOk()) return result.status();
    auto row = loadRow(result->id).value_or(LocalRow{});
    adoptResult(row, result.value());
    if (Status s = saveRow(result->id, row); !s.isOk()) return s;
    switch (result->status) {
      case core::WriteStatus::kAccepted:
        ++counts.accepted;
        break;
      case core::WriteStatus::kConflict:
        ++counts.conflicts;
        break;
      case core::WriteStatus::kRejected:
        ++counts.rejected;
        break;
    }
  }
  for (const auto& change : answer.value("changes", core::Json::array())) {
    auto record = core::recordFromJson(change);
    if (!record.isOk()) return record.status();
    auto row = loadRow(record->id).value_or(LocalRow{});
    adoptChange(row, record.value());
    if (Status s = saveRow(record->id, row); !s.isOk()) return s;
    ++counts.pulled;
  }
  if (auto cursor = answer.find("cursor"); cursor != answer.end() && cursor->is_string())
    if (Status s = setMeta("cursor", cursor->get<std::string>()); !s.isOk()) return s;
  for (const auto& id : sent.acked_notices) {
    Statement st(prepare("UPDATE notices SET state = 2 WHERE notice = ?"));
    st.bind(id);
    if (st.step() != SQLITE_DONE) return fail("notice acknowledged");
  }
  for (const auto& n : answer.value("inbox", core::Json::array())) {
    if (!n.is_object() || !n.value("notice", core::Json()).is_string()) continue;
    // A notice the gateway sends again (not yet acknowledged) keeps its state here.
    Statement st(
        prepare("INSERT INTO notices(notice, record, kind, text, raw, seq) "
                "VALUES(?,?,?,?,?, (SELECT coalesce(max(seq), 0) + 1 FROM notices)) "
                "ON CONFLICT(notice) DO NOTHING"));
    st.bind(n["notice"].get<std::string>())
        .bind(n.value("record", ""))
        .bind(n.value("kind", ""))
        .bind(n.value("text", ""))
        .bind(n.dump());
    if (st.step() != SQLITE_DONE) return fail("notice");
    if (sqlite3_changes(db_) == 1) ++counts.notices;
  }
  for (const auto& sha : answer.value("missing_attachments", core::Json::array()))
    if (sha.is_string()) counts.missing_attachments.push_back(sha.get<std::string>());
  counts.more = answer.value("more", false);
  if (Status s = txn.commit(); !s.isOk()) return s;
  return counts;
}

std::vector<BlobRow> PhoneStore::queryBlobs(const char* sql) {
  std::vector<BlobRow> out;
  std::lock_guard lock(mu_);
  Statement st(prepare(sql));
  while (st.step() == SQLITE_ROW) {
    BlobRow b;
    b.attachment = {st.text(0), st.integer(1), st.text(2), st.text(3)};
    b.upload = st.text(4);
    b.confirmed_at = st.integer(5);
    b.evicted = st.integer(6) != 0;
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<BlobRow> PhoneStore::blobs() {
  return queryBlobs(
      "SELECT sha256, size, mime, name, upload, confirmed_at, evicted FROM blobs ORDER BY sha256");
}

// The gateway wants a blob once it accepted a record that lists it; until then the upload
// would be early (and a draft the gateway rejects would leave it orphaned there).
std::vector<BlobRow> PhoneStore::blobsToUpload() {
  return queryBlobs(
      "SELECT sha256, size, mime, name, upload, confirmed_at, evicted FROM blobs b "
      "WHERE confirmed_at = 0 AND evicted = 0 AND EXISTS (SELECT 1 FROM records r "
      "WHERE r.canonical IS NOT NULL AND instr(r.canonical, b.sha256) > 0) ORDER BY size");
}

Status PhoneStore::setUploadLocation(const std::string& sha256, const std::string& location) {
  std::lock_guard lock(mu_);
  Statement st(prepare("UPDATE blobs SET upload = ? WHERE sha256 = ?"));
  st.bind(location).bind(sha256);
  return st.step() == SQLITE_DONE ? Status::ok() : fail("upload location");
}

Status PhoneStore::confirmBlob(const std::string& sha256, int64_t now_ms) {
  std::lock_guard lock(mu_);
  Statement st(prepare("UPDATE blobs SET confirmed_at = ?, upload = '' WHERE sha256 = ?"));
  st.bind(std::max<int64_t>(now_ms, 1)).bind(sha256);  // 0 means "not confirmed"
  return st.step() == SQLITE_DONE ? Status::ok() : fail("confirm blob");
}

Result<std::string> PhoneStore::attachmentFile(const core::Attachment& a, BlobChannel& gateway,
                                               int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    Statement st(prepare("SELECT evicted FROM blobs WHERE sha256 = ?"));
    st.bind(a.sha256);
    const bool held = st.step() == SQLITE_ROW && st.integer(0) == 0;
    if (held && std::ifstream(blobs_.path(a.sha256)).good()) return blobs_.path(a.sha256);
  }
  auto bytes = gateway.download(a.sha256);
  if (!bytes.isOk()) return bytes.status();
  if (sha256Hex(bytes.value()) != a.sha256)
    return Status::retry("the gateway sent other bytes than attachment " + a.sha256);
  auto sha = blobs_.put(bytes.value());  // durable before it is indexed
  if (!sha.isOk()) return sha.status();
  std::lock_guard lock(mu_);
  Statement st(
      prepare("INSERT INTO blobs(sha256, size, mime, name, captured_at, confirmed_at) "
              "VALUES(?,?,?,?,?,?) ON CONFLICT(sha256) DO UPDATE SET evicted = 0, "
              "confirmed_at = max(confirmed_at, excluded.confirmed_at)"));
  st.bind(a.sha256)
      .bind(static_cast<int64_t>(bytes->size()))
      .bind(a.mime)
      .bind(a.name)
      .bind(now_ms)
      .bind(std::max<int64_t>(now_ms, 1));
  if (st.step() != SQLITE_DONE) return fail("index downloaded blob");
  return blobs_.path(a.sha256);
}

Result<int> PhoneStore::evictBlobs(int64_t now_ms, int64_t grace_ms) {
  std::vector<std::string> gone;
  {
    std::lock_guard lock(mu_);
    // Captured by an app killed before the edit that would list it (or listed only by a draft
    // the gateway rejected): nothing will ever upload it, and it would count as "syncing"
    // for ever. Forgotten once it has been unlisted for the grace period.
    Statement unlisted(
        prepare("DELETE FROM blobs WHERE evicted = 0 AND confirmed_at = 0 AND captured_at <= ? "
                "AND NOT EXISTS (SELECT 1 FROM records r "
                "WHERE instr(coalesce(r.local, ''), blobs.sha256) > 0 "
                "OR instr(coalesce(r.canonical, ''), blobs.sha256) > 0) RETURNING sha256"));
    // Confirmed at the gateway long enough ago, and no pending edit lists it.
    Statement confirmed(
        prepare("UPDATE blobs SET evicted = 1 WHERE evicted = 0 AND confirmed_at > 0 "
                "AND confirmed_at <= ? AND NOT EXISTS (SELECT 1 FROM records r WHERE r.pending = 1 "
                "AND instr(r.local, blobs.sha256) > 0) RETURNING sha256"));
    // Recorded first, deleted second: a kill in between leaves a file nobody counts on, never
    // a row that promises a file that is gone.
    for (Statement* st : {&unlisted, &confirmed}) {
      st->bind(now_ms - grace_ms);
      int rc = SQLITE_ROW;
      while ((rc = st->step()) == SQLITE_ROW) gone.push_back(st->text(0));
      if (rc != SQLITE_DONE) return fail("evict blobs");
    }
  }
  for (const auto& sha : gone)
    if (Status s = blobs_.remove(sha); !s.isOk()) return s;
  return static_cast<int>(gone.size());
}

}  // namespace yard::device
