#include "store/store.h"

#include <cstddef>
#include <exception>
#include <type_traits>
#include <utility>

namespace yard::store {

namespace {

std::string text(const char* s) { return s ? std::string(s) : std::string(); }

RecordRow copy(const yard_record_row& r) {
  return RecordRow{text(r.id), text(r.site), text(r.type), text(r.stamp), r.seq, text(r.doc)};
}
WriteRow copy(const yard_write_row& r) {
  return WriteRow{text(r.write_id), text(r.record_id), text(r.stamp)};
}
AuditRow copy(const yard_audit_row& r) {
  return AuditRow{r.audit_id,       text(r.record_id), text(r.write_id), text(r.lost_doc),
                  text(r.kept_doc), r.at_ms,           r.restored != 0};
}
NoticeRow copy(const yard_notice_row& r) {
  return NoticeRow{text(r.notice_id), text(r.device), text(r.record_id), text(r.doc), r.at_ms};
}
DeviceRow copy(const yard_device_row& r) {
  return DeviceRow{text(r.id),         text(r.site),   text(r.operator_id), r.node != 0,
                   text(r.token_hash), r.revoked != 0, r.created_ms,        text(r.state_doc)};
}
OutboxRow copy(const yard_outbox_row& r) {
  return OutboxRow{text(r.record_id), text(r.stamp), text(r.base), r.at_ms};
}
BlobRow copy(const yard_blob_row& r) {
  return BlobRow{text(r.sha256),  r.size,         text(r.mime),
                 r.first_seen_ms, r.confirmed_ms, r.present != 0};
}
UploadRow copy(const yard_upload_row& r) {
  return UploadRow{text(r.upload_id), text(r.sha256), r.length,     r.offset,
                   text(r.mime),      text(r.device), r.created_ms, r.updated_ms};
}
std::string copy(const char* s) { return text(s); }

// A 1.0 plugin's table ends before the attachment functions.
bool tableHasAttachments(const yard_storage_api* api) {
  constexpr size_t kEnd =
      offsetof(yard_storage_api, upload_delete) + sizeof(yard_storage_api::upload_delete);
  return api->struct_size >= kEnd && api->upload_delete != nullptr;
}

// Row callbacks run inside the plugin's call, so they must not throw through it: a failure while
// copying (out of memory) or in the caller's visitor is parked here, the scan is stopped, and the
// exception is rethrown on the host side once the plugin has returned.
template <typename Row, typename CRow>
struct Sink {
  explicit Sink(std::function<bool(Row&&)> v) : visit(std::move(v)) {}
  std::function<bool(Row&&)> visit;
  std::exception_ptr error;

  static int call(void* ctx, CRow row) noexcept {
    auto* self = static_cast<Sink*>(ctx);
    if (row == nullptr) return 0;
    try {
      if constexpr (std::is_pointer_v<CRow> && !std::is_same_v<CRow, const char*>) {
        return self->visit(copy(*row)) ? 0 : 1;
      } else {
        return self->visit(copy(row)) ? 0 : 1;
      }
    } catch (...) {
      self->error = std::current_exception();
      return 1;
    }
  }
  void rethrow() const {
    if (error) std::rethrow_exception(error);
  }
};

// Maps the plugin's result to a Status. op names the ABI function, so a message from a plugin
// that wrote none still says what failed.
Status toStatus(yard_rc rc, const yard_error& err, const char* op) {
  const std::string detail(err.message[0] ? err.message : "failed without a message");
  std::string message = std::string("storage ") + op + ": " + detail;
  switch (rc) {
    case YARD_OK:
      return Status::ok();
    case YARD_NOT_FOUND:
      return Status::notFound(std::move(message));
    case YARD_RETRY:
      return Status::retry(std::move(message));
    case YARD_PERMANENT:
      return Status::permanent(std::move(message));
    case YARD_INVALID:
      return Status::invalid(std::move(message));
  }
  return Status::permanent(std::string("storage ") + op + ": unknown result code " +
                           std::to_string(static_cast<int>(rc)));
}

Status finished() { return Status::invalid("storage: the transaction is already finished"); }

// The ABI's strings end at the first NUL, so "dev-a\0x" would reach the plugin as "dev-a" and
// act on another row. No stored key can contain a NUL: a lookup by such a key finds nothing
// and a write of one is refused.
template <typename... Strings>
bool hasNul(const Strings&... s) {
  return ((s.find('\0') != std::string::npos) || ...);
}
Status nulRefused(const char* op) {
  return Status::invalid(std::string("storage ") + op + ": a text field contains a NUL byte");
}

// Runs a lookup that yields at most one row: NOT_FOUND becomes an empty optional.
template <typename Row, typename CRow, typename Call>
Result<std::optional<Row>> lookupOne(const char* op, Call&& call) {
  std::optional<Row> found;
  Sink<Row, CRow> sink{[&](Row&& r) {
    found = std::move(r);
    return false;
  }};
  yard_error err{};
  yard_rc rc = call(&Sink<Row, CRow>::call, &sink, &err);
  sink.rethrow();
  if (rc == YARD_NOT_FOUND) return std::optional<Row>();
  if (rc != YARD_OK) return toStatus(rc, err, op);
  if (!found) return Status::permanent(std::string("storage ") + op + ": OK but no row");
  return found;
}

template <typename Row, typename CRow, typename Call>
Result<std::vector<Row>> lookupAll(const char* op, Call&& call) {
  std::vector<Row> rows;
  Sink<Row, CRow> sink{[&](Row&& r) {
    rows.push_back(std::move(r));
    return true;
  }};
  yard_error err{};
  yard_rc rc = call(&Sink<Row, CRow>::call, &sink, &err);
  sink.rethrow();
  if (rc != YARD_OK) return toStatus(rc, err, op);
  return rows;
}

}  // namespace

// ---- Txn ----------------------------------------------------------------------------------

Txn::Txn(Txn&& other) noexcept : api_(other.api_), txn_(std::exchange(other.txn_, nullptr)) {}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    rollback();
    api_ = other.api_;
    txn_ = std::exchange(other.txn_, nullptr);
  }
  return *this;
}

Txn::~Txn() { rollback(); }

void Txn::rollback() {
  if (txn_ != nullptr) api_->rollback(std::exchange(txn_, nullptr));
}

Status Txn::commit() {
  if (txn_ == nullptr) return finished();
  yard_error err{};
  // The plugin frees the txn whatever commit returns.
  yard_rc rc = api_->commit(std::exchange(txn_, nullptr), &err);
  return toStatus(rc, err, "commit");
}

Result<std::optional<RecordRow>> Txn::getRecord(const std::string& id) {
  if (txn_ == nullptr) return finished();
  if (hasNul(id)) return std::optional<RecordRow>();
  return lookupOne<RecordRow, const yard_record_row*>(
      "record_get", [&](yard_record_fn fn, void* ctx, yard_error* err) {
        return api_->record_get(txn_, id.c_str(), fn, ctx, err);
      });
}

Result<int64_t> Txn::putRecord(const RecordRow& row) {
  if (txn_ == nullptr) return finished();
  if (hasNul(row.id, row.site, row.type, row.stamp, row.doc)) return nulRefused("record_put");
  const yard_record_row c{row.id.c_str(), row.site.c_str(), row.type.c_str(), row.stamp.c_str(), 0,
                          row.doc.c_str()};
  int64_t seq = 0;
  yard_error err{};
  yard_rc rc = api_->record_put(txn_, &c, &seq, &err);
  if (rc != YARD_OK) return toStatus(rc, err, "record_put");
  return seq;
}

Status Txn::changes(int64_t after_seq, int limit, const std::function<bool(const RecordRow&)>& fn) {
  if (txn_ == nullptr) return finished();
  Sink<RecordRow, const yard_record_row*> sink{[&](RecordRow&& r) { return fn(r); }};
  yard_error err{};
  yard_rc rc = api_->record_changes(txn_, after_seq, limit, &decltype(sink)::call, &sink, &err);
  sink.rethrow();
  return toStatus(rc, err, "record_changes");
}

Result<int64_t> Txn::countRecords() {
  if (txn_ == nullptr) return finished();
  int64_t n = 0;
  yard_error err{};
  yard_rc rc = api_->record_count(txn_, &n, &err);
  if (rc != YARD_OK) return toStatus(rc, err, "record_count");
  return n;
}

Result<std::optional<WriteRow>> Txn::getWrite(const std::string& write_id) {
  if (txn_ == nullptr) return finished();
  if (hasNul(write_id)) return std::optional<WriteRow>();
  return lookupOne<WriteRow, const yard_write_row*>(
      "write_get", [&](yard_write_fn fn, void* ctx, yard_error* err) {
        return api_->write_get(txn_, write_id.c_str(), fn, ctx, err);
      });
}

Status Txn::putWrite(const WriteRow& row) {
  if (txn_ == nullptr) return finished();
  if (hasNul(row.write_id, row.record_id, row.stamp)) return nulRefused("write_put");
  const yard_write_row c{row.write_id.c_str(), row.record_id.c_str(), row.stamp.c_str()};
  yard_error err{};
  return toStatus(api_->write_put(txn_, &c, &err), err, "write_put");
}

Result<int64_t> Txn::addAudit(const AuditRow& row) {
  if (txn_ == nullptr) return finished();
  if (hasNul(row.record_id, row.write_id, row.lost_doc, row.kept_doc))
    return nulRefused("audit_add");
  const yard_audit_row c{0,
                         row.record_id.c_str(),
                         row.write_id.c_str(),
                         row.lost_doc.c_str(),
                         row.kept_doc.c_str(),
                         row.at_ms,
                         row.restored ? 1 : 0};
  int64_t id = 0;
  yard_error err{};
  yard_rc rc = api_->audit_add(txn_, &c, &id, &err);
  if (rc != YARD_OK) return toStatus(rc, err, "audit_add");
  return id;
}

Result<std::optional<AuditRow>> Txn::getAudit(int64_t audit_id) {
  if (txn_ == nullptr) return finished();
  return lookupOne<AuditRow, const yard_audit_row*>(
      "audit_get", [&](yard_audit_fn fn, void* ctx, yard_error* err) {
        return api_->audit_get(txn_, audit_id, fn, ctx, err);
      });
}

Result<std::vector<AuditRow>> Txn::listAudit(int64_t before_id, int limit) {
  if (txn_ == nullptr) return finished();
  return lookupAll<AuditRow, const yard_audit_row*>(
      "audit_list", [&](yard_audit_fn fn, void* ctx, yard_error* err) {
        return api_->audit_list(txn_, before_id, limit, fn, ctx, err);
      });
}

Status Txn::markRestored(int64_t audit_id) {
  if (txn_ == nullptr) return finished();
  yard_error err{};
  return toStatus(api_->audit_mark_restored(txn_, audit_id, &err), err, "audit_mark_restored");
}

Status Txn::addNotice(const NoticeRow& row) {
  if (txn_ == nullptr) return finished();
  if (hasNul(row.notice_id, row.device, row.record_id, row.doc)) return nulRefused("notice_add");
  const yard_notice_row c{row.notice_id.c_str(), row.device.c_str(), row.record_id.c_str(),
                          row.doc.c_str(), row.at_ms};
  yard_error err{};
  return toStatus(api_->notice_add(txn_, &c, &err), err, "notice_add");
}

Result<std::vector<NoticeRow>> Txn::listNotices(const std::string& device, int limit) {
  if (txn_ == nullptr) return finished();
  if (hasNul(device)) return std::vector<NoticeRow>();
  return lookupAll<NoticeRow, const yard_notice_row*>(
      "notice_list", [&](yard_notice_fn fn, void* ctx, yard_error* err) {
        return api_->notice_list(txn_, device.c_str(), limit, fn, ctx, err);
      });
}

Status Txn::ackNotice(const std::string& device, const std::string& notice_id) {
  if (txn_ == nullptr) return finished();
  if (hasNul(device, notice_id)) return Status::ok();  // an unknown notice: a no-op
  yard_error err{};
  return toStatus(api_->notice_ack(txn_, device.c_str(), notice_id.c_str(), &err), err,
                  "notice_ack");
}

Status Txn::putDevice(const DeviceRow& row) {
  if (txn_ == nullptr) return finished();
  if (hasNul(row.id, row.site, row.operator_id, row.token_hash, row.state_doc))
    return nulRefused("device_put");
  const yard_device_row c{row.id.c_str(),   row.site.c_str(),       row.operator_id.c_str(),
                          row.node ? 1 : 0, row.token_hash.c_str(), row.revoked ? 1 : 0,
                          row.created_ms,   row.state_doc.c_str()};
  yard_error err{};
  return toStatus(api_->device_put(txn_, &c, &err), err, "device_put");
}

Result<std::optional<DeviceRow>> Txn::getDevice(const std::string& id) {
  if (txn_ == nullptr) return finished();
  if (hasNul(id)) return std::optional<DeviceRow>();
  return lookupOne<DeviceRow, const yard_device_row*>(
      "device_get", [&](yard_device_fn fn, void* ctx, yard_error* err) {
        return api_->device_get(txn_, id.c_str(), fn, ctx, err);
      });
}

Result<std::optional<DeviceRow>> Txn::deviceByToken(const std::string& token_hash) {
  if (txn_ == nullptr) return finished();
  if (hasNul(token_hash)) return std::optional<DeviceRow>();
  return lookupOne<DeviceRow, const yard_device_row*>(
      "device_by_token", [&](yard_device_fn fn, void* ctx, yard_error* err) {
        return api_->device_by_token(txn_, token_hash.c_str(), fn, ctx, err);
      });
}

Result<std::vector<DeviceRow>> Txn::listDevices() {
  if (txn_ == nullptr) return finished();
  return lookupAll<DeviceRow, const yard_device_row*>(
      "device_list", [&](yard_device_fn fn, void* ctx, yard_error* err) {
        return api_->device_list(txn_, fn, ctx, err);
      });
}

Result<std::optional<std::string>> Txn::getMeta(const std::string& key) {
  if (txn_ == nullptr) return finished();
  if (hasNul(key)) return std::optional<std::string>();
  return lookupOne<std::string, const char*>(
      "meta_get", [&](yard_text_fn fn, void* ctx, yard_error* err) {
        return api_->meta_get(txn_, key.c_str(), fn, ctx, err);
      });
}

Status Txn::putMeta(const std::string& key, const std::string& value) {
  if (txn_ == nullptr) return finished();
  if (hasNul(key, value)) return nulRefused("meta_put");
  yard_error err{};
  return toStatus(api_->meta_put(txn_, key.c_str(), value.c_str(), &err), err, "meta_put");
}

Status Txn::putOutbox(const OutboxRow& row) {
  if (txn_ == nullptr) return finished();
  if (hasNul(row.record_id, row.stamp, row.base)) return nulRefused("outbox_put");
  const yard_outbox_row c{row.record_id.c_str(), row.stamp.c_str(), row.base.c_str(), row.at_ms};
  yard_error err{};
  return toStatus(api_->outbox_put(txn_, &c, &err), err, "outbox_put");
}

Result<std::vector<OutboxRow>> Txn::listOutbox(int limit) {
  if (txn_ == nullptr) return finished();
  return lookupAll<OutboxRow, const yard_outbox_row*>(
      "outbox_list", [&](yard_outbox_fn fn, void* ctx, yard_error* err) {
        return api_->outbox_list(txn_, limit, fn, ctx, err);
      });
}

Status Txn::outboxDone(const std::string& record_id, const std::string& stamp) {
  if (txn_ == nullptr) return finished();
  if (hasNul(record_id, stamp)) return Status::ok();  // an absent row: a no-op
  yard_error err{};
  return toStatus(api_->outbox_done(txn_, record_id.c_str(), stamp.c_str(), &err), err,
                  "outbox_done");
}

Result<OutboxStats> Txn::outboxStats() {
  if (txn_ == nullptr) return finished();
  OutboxStats stats;
  yard_error err{};
  yard_rc rc = api_->outbox_stats(txn_, &stats.count, &stats.oldest_at_ms, &err);
  if (rc != YARD_OK) return toStatus(rc, err, "outbox_stats");
  return stats;
}

// ---- attachments (ABI 1.1) ----------------------------------------------------------------

Status Txn::attachmentsReady() const {
  if (txn_ == nullptr) return finished();
  if (!tableHasAttachments(api_))
    return Status::permanent("storage: the plugin predates ABI 1.1 and keeps no attachments");
  return Status::ok();
}

Status Txn::putBlob(const BlobRow& row) {
  if (Status s = attachmentsReady(); !s.isOk()) return s;
  if (hasNul(row.sha256, row.mime)) return nulRefused("blob_put");
  const yard_blob_row c{row.sha256.c_str(), row.size,         row.mime.c_str(),
                        row.first_seen_ms,  row.confirmed_ms, row.present ? 1 : 0};
  yard_error err{};
  return toStatus(api_->blob_put(txn_, &c, &err), err, "blob_put");
}

Result<std::optional<BlobRow>> Txn::getBlob(const std::string& sha256) {
  if (Status s = attachmentsReady(); !s.isOk()) return s;
  if (hasNul(sha256)) return std::optional<BlobRow>();
  return lookupOne<BlobRow, const yard_blob_row*>(
      "blob_get", [&](yard_blob_fn fn, void* ctx, yard_error* err) {
        return api_->blob_get(txn_, sha256.c_str(), fn, ctx, err);
      });
}

Result<std::vector<BlobRow>> Txn::listBlobs(const std::string& after, int limit) {
  if (Status s = attachmentsReady(); !s.isOk()) return s;
  if (hasNul(after)) return nulRefused("blob_list");
  return lookupAll<BlobRow, const yard_blob_row*>(
      "blob_list", [&](yard_blob_fn fn, void* ctx, yard_error* err) {
        return api_->blob_list(txn_, after.c_str(), limit, fn, ctx, err);
      });
}

Status Txn::deleteBlob(const std::string& sha256) {
  if (Status s = attachmentsReady(); !s.isOk()) return s;
  if (hasNul(sha256)) return Status::ok();  // an absent row: a no-op
  yard_error err{};
  return toStatus(api_->blob_delete(txn_, sha256.c_str(), &err), err, "blob_delete");
}

Result<BlobStats> Txn::blobStats() {
  if (Status s = attachmentsReady(); !s.isOk()) return s;
  BlobStats stats;
  yard_error err{};
  yard_rc rc = api_->blob_stats(txn_, &stats.count, &stats.bytes, &stats.unconfirmed_bytes, &err);
  if (rc != YARD_OK) return toStatus(rc, err, "blob_stats");
  return stats;
}

Status Txn::addBlobRef(const std::string& sha256, const std::string& record_id) {
  if (Status s = attachmentsReady(); !s.isOk()) return s;
  if (hasNul(sha256, record_id)) return nulRefused("blob_ref_add");
  yard_error err{};
  return toStatus(api_->blob_ref_add(txn_, sha256.c_str(), record_id.c_str(), &err), err,
                  "blob_ref_add");
}

Result<std::vector<std::string>> Txn::blobRefs(const std::string& sha256) {
  if (Status s = attachmentsReady(); !s.isOk()) return s;
  if (hasNul(sha256)) return std::vector<std::string>();
  return lookupAll<std::string, const char*>(
      "blob_refs", [&](yard_text_fn fn, void* ctx, yard_error* err) {
        return api_->blob_refs(txn_, sha256.c_str(), fn, ctx, err);
      });
}

Status Txn::putUpload(const UploadRow& row) {
  if (Status s = attachmentsReady(); !s.isOk()) return s;
  if (hasNul(row.upload_id, row.sha256, row.mime, row.device)) return nulRefused("upload_put");
  const yard_upload_row c{
      row.upload_id.c_str(), row.sha256.c_str(), row.length,     row.offset,
      row.mime.c_str(),      row.device.c_str(), row.created_ms, row.updated_ms};
  yard_error err{};
  return toStatus(api_->upload_put(txn_, &c, &err), err, "upload_put");
}

Result<std::optional<UploadRow>> Txn::getUpload(const std::string& upload_id) {
  if (Status s = attachmentsReady(); !s.isOk()) return s;
  if (hasNul(upload_id)) return std::optional<UploadRow>();
  return lookupOne<UploadRow, const yard_upload_row*>(
      "upload_get", [&](yard_upload_fn fn, void* ctx, yard_error* err) {
        return api_->upload_get(txn_, upload_id.c_str(), fn, ctx, err);
      });
}

Result<std::vector<UploadRow>> Txn::listUploads() {
  if (Status s = attachmentsReady(); !s.isOk()) return s;
  return lookupAll<UploadRow, const yard_upload_row*>(
      "upload_list", [&](yard_upload_fn fn, void* ctx, yard_error* err) {
        return api_->upload_list(txn_, fn, ctx, err);
      });
}

Status Txn::deleteUpload(const std::string& upload_id) {
  if (Status s = attachmentsReady(); !s.isOk()) return s;
  if (hasNul(upload_id)) return Status::ok();
  yard_error err{};
  return toStatus(api_->upload_delete(txn_, upload_id.c_str(), &err), err, "upload_delete");
}

// ---- Store --------------------------------------------------------------------------------

Result<std::unique_ptr<Store>> Store::open(const plugin::LoadedPlugin& plugin,
                                           plugin::PluginHost& host) {
  const yard_plugin* d = plugin.descriptor;
  if (d == nullptr || d->kind != YARD_KIND_STORAGE || d->api == nullptr)
    return Status::invalid("storage: " + plugin.path + " is not a loaded storage plugin");
  const auto* api = static_cast<const yard_storage_api*>(d->api);
  yard_store* handle = nullptr;
  yard_error err{};
  yard_rc rc = api->open(host.table(), &handle, &err);
  if (rc != YARD_OK) return toStatus(rc, err, "open");
  if (handle == nullptr) return Status::permanent("storage open: OK but no store");
  return std::unique_ptr<Store>(new Store(api, handle, d->name));
}

Store::~Store() { api_->close(store_); }

bool Store::hasAttachments() const { return tableHasAttachments(api_); }

Result<Txn> Store::begin(bool writable) {
  yard_txn* txn = nullptr;
  yard_error err{};
  yard_rc rc = api_->begin(store_, writable ? 1 : 0, &txn, &err);
  if (rc != YARD_OK) return toStatus(rc, err, "begin");
  if (txn == nullptr) return Status::permanent("storage begin: OK but no transaction");
  return Txn(api_, txn);
}

Status Store::check() {
  yard_error err{};
  return toStatus(api_->check(store_, &err), err, "check");
}

Status Store::backup(const std::string& path) {
  if (hasNul(path)) return nulRefused("backup");
  yard_error err{};
  return toStatus(api_->backup(store_, path.c_str(), &err), err, "backup");
}

}  // namespace yard::store
