#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "plugin/plugin_host.h"
#include "plugin/plugin_loader.h"
#include "store/rows.h"

namespace yard::store {

// One transaction on the storage plugin. Rolls back on destruction unless committed. Used from
// one thread at a time. Every call after a failed one may fail too; callers abandon the txn.
// Text cannot hold a NUL byte (the ABI's strings end there): a lookup by such a key finds
// nothing, an ack or outboxDone of one is a no-op, and a write holding one is kInvalid.
class Txn {
 public:
  Txn(Txn&&) noexcept;
  Txn& operator=(Txn&&) noexcept;
  Txn(const Txn&) = delete;
  ~Txn();

  Result<std::optional<RecordRow>> getRecord(const std::string& id);
  // Stores row (its seq is ignored) and returns the change sequence number it got.
  Result<int64_t> putRecord(const RecordRow& row);
  // Calls fn for each record with seq > after_seq, in seq order, at most limit; fn returns
  // false to stop.
  Status changes(int64_t after_seq, int limit, const std::function<bool(const RecordRow&)>& fn);
  Result<int64_t> countRecords();

  Result<std::optional<WriteRow>> getWrite(const std::string& write_id);
  Status putWrite(const WriteRow& row);

  // Idempotent on row.write_id; returns the audit id (the existing one for a repeat).
  Result<int64_t> addAudit(const AuditRow& row);
  Result<std::optional<AuditRow>> getAudit(int64_t audit_id);
  Result<std::vector<AuditRow>> listAudit(int64_t before_id, int limit);
  Status markRestored(int64_t audit_id);

  Status addNotice(const NoticeRow& row);
  Result<std::vector<NoticeRow>> listNotices(const std::string& device, int limit);
  Status ackNotice(const std::string& device, const std::string& notice_id);

  Status putDevice(const DeviceRow& row);
  Result<std::optional<DeviceRow>> getDevice(const std::string& id);
  Result<std::optional<DeviceRow>> deviceByToken(const std::string& token_hash);
  Result<std::vector<DeviceRow>> listDevices();

  Result<std::optional<std::string>> getMeta(const std::string& key);
  Status putMeta(const std::string& key, const std::string& value);

  // The records waiting to go upstream, queued in the transaction that wrote them (semantics of
  // yard_storage_api.outbox_*): one row per record; a newer version takes over a queued row but
  // keeps its place, base and time; outboxDone removes the row only if it has that stamp.
  Status putOutbox(const OutboxRow& row);
  Result<std::vector<OutboxRow>> listOutbox(int limit);
  Status outboxDone(const std::string& record_id, const std::string& stamp);
  Result<OutboxStats> outboxStats();

  // Attachment metadata and tus uploads (ABI 1.1; semantics of yard_storage_api.blob_* and
  // upload_*). With a 1.0 plugin every one of these is kPermanent ("does not support").
  Status putBlob(const BlobRow& row);
  Result<std::optional<BlobRow>> getBlob(const std::string& sha256);
  Result<std::vector<BlobRow>> listBlobs(const std::string& after, int limit);
  Status deleteBlob(const std::string& sha256);
  Result<BlobStats> blobStats();
  Status addBlobRef(const std::string& sha256, const std::string& record_id);
  Result<std::vector<std::string>> blobRefs(const std::string& sha256);
  Status putUpload(const UploadRow& row);
  Result<std::optional<UploadRow>> getUpload(const std::string& upload_id);
  Result<std::vector<UploadRow>> listUploads();
  Status deleteUpload(const std::string& upload_id);

  // Durable on ok. The txn is finished whatever the outcome.
  Status commit();
  void rollback();

 private:
  friend class Store;
  Txn(const yard_storage_api* api, yard_txn* txn) : api_(api), txn_(txn) {}
  Status attachmentsReady() const;
  const yard_storage_api* api_ = nullptr;
  yard_txn* txn_ = nullptr;
};

// The node's store: a storage plugin instance opened through the C ABI. Thread-safe; at most one
// writable Txn may be open at a time (callers serialise writers).
class Store {
 public:
  // Opens the store of plugin (already loaded and of kind storage). host must outlive the Store.
  static Result<std::unique_ptr<Store>> open(const plugin::LoadedPlugin& plugin,
                                             plugin::PluginHost& host);
  ~Store();

  Result<Txn> begin(bool writable);
  Status check();
  Status backup(const std::string& path);
  const std::string& pluginName() const { return name_; }
  // Whether the plugin's table has the ABI 1.1 attachment functions.
  bool hasAttachments() const;

 private:
  Store(const yard_storage_api* api, yard_store* store, std::string name)
      : api_(api), store_(store), name_(std::move(name)) {}
  const yard_storage_api* api_;
  yard_store* store_;
  std::string name_;
};

}  // namespace yard::store
