/*
 * yard/plugin.hpp — header-only C++ helper for writing yard-gateway plugins.
 *
 * Includes only yard/plugin.h and the standard library, so a plugin built with it depends on
 * nothing of the host. It gives a plugin author:
 *
 *   - setError / fail:  write a message into the caller's yard_error (truncated, NUL-terminated).
 *   - guard:            run code and turn any C++ exception into YARD_PERMANENT plus a message.
 *                       Every thunk below runs plugin code inside guard, so no exception ever
 *                       crosses the C ABI.
 *   - Host:             a small value wrapper over the yard_host table (log, config, clock,
 *                       counters, data directory) that checks struct_size before using a member.
 *   - StorageTable<S, T> and storageDescriptor<S, T>(): build the yard_storage_api table and the
 *                       descriptor from two C++ classes, so a storage plugin is two classes plus
 *                       one YARD_PLUGIN_EXPORT entry point:
 *
 *     YARD_PLUGIN_EXPORT const yard_plugin* yard_plugin_entry(void) {
 *       static const char* const keys[] = {"dsn", nullptr};
 *       static const yard_plugin d = yard::sdk::storageDescriptor<MyStore, MyTxn>("mine", "1.0",
 *                                                                                  keys);
 *       return &d;
 *     }
 *
 *   - TransportTable<T> and transportDescriptor<T>(): the same for a transport plugin, from one
 *                       class (the attachment functions are optional).
 *
 * Ownership: the yard_store handle is a heap-allocated S (created by S::open, deleted by close);
 * the yard_txn handle is a heap-allocated T (created by S::begin, deleted by commit or rollback
 * whatever they return, after calling T::commit or T::rollback). Row pointers handed to the
 * plugin and strings returned by Host are borrowed, with the lifetimes stated in yard/plugin.h.
 *
 * Thread-safety is the plugin's: the ABI lets the host call S's members from many threads at
 * once, and T's members from one thread at a time. The wrappers add no locking.
 */
#ifndef YARD_PLUGIN_HPP
#define YARD_PLUGIN_HPP

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "yard/plugin.h"

// Marks the entry point: plugins build with hidden visibility, the entry must stay exported.
#define YARD_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

namespace yard::sdk {

// Writes message into err (may be NULL), truncating to fit. Never throws.
inline void setError(yard_error* err, std::string_view message) noexcept {
  if (err == nullptr) return;
  const size_t n =
      message.size() < sizeof(err->message) - 1 ? message.size() : sizeof(err->message) - 1;
  std::memcpy(err->message, message.data(), n);
  err->message[n] = '\0';
}

// setError, then returns rc: `return fail(err, YARD_INVALID, "limit must be positive");`
inline yard_rc fail(yard_error* err, yard_rc rc, std::string_view message) noexcept {
  setError(err, message);
  return rc;
}

// Runs fn (returning yard_rc, or void meaning YARD_OK). An escaping exception becomes
// YARD_PERMANENT with its what() as the message: it is a bug or resource exhaustion, and
// retrying the same call would most likely fail the same way.
template <typename Fn>
yard_rc guard(yard_error* err, Fn&& fn) noexcept {
  try {
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      return YARD_OK;
    } else {
      return fn();
    }
  } catch (const std::bad_alloc&) {
    return fail(err, YARD_PERMANENT, "out of memory");
  } catch (const std::exception& e) {
    return fail(err, YARD_PERMANENT, e.what());
  } catch (...) {
    return fail(err, YARD_PERMANENT, "unknown C++ exception in plugin");
  }
}

// The host's services. Cheap to copy; valid while the host table is (from open until close).
// Members the host's table is too old to have are treated as absent.
class Host {
 public:
  explicit Host(const yard_host* table) noexcept : table_(table) {}

  // Never pass secrets or record bodies: the line goes to the node's log as is.
  void log(yard_log_level level, std::string_view message) const noexcept {
    if (!has(offsetof(yard_host, log), sizeof(table_->log)) || table_->log == nullptr) return;
    try {
      const std::string line(message);  // the ABI wants a NUL-terminated string
      table_->log(table_->ctx, level, line.c_str());
    } catch (...) {  // out of memory while logging: drop the line rather than fail the caller
    }
  }
  void debug(std::string_view m) const noexcept { log(YARD_LOG_DEBUG, m); }
  void info(std::string_view m) const noexcept { log(YARD_LOG_INFO, m); }
  void warn(std::string_view m) const noexcept { log(YARD_LOG_WARN, m); }
  void error(std::string_view m) const noexcept { log(YARD_LOG_ERROR, m); }

  // The value of one of the plugin's declared config keys, or nullopt when unset.
  std::optional<std::string> config(const char* key) const {
    if (!has(offsetof(yard_host, config), sizeof(table_->config)) || table_->config == nullptr)
      return std::nullopt;
    const char* v = table_->config(table_->ctx, key);
    return v ? std::optional<std::string>(v) : std::nullopt;
  }
  std::string config(const char* key, std::string fallback) const {
    auto v = config(key);
    return v ? *v : fallback;
  }

  // Wall-clock ms since the epoch from the host (tests inject a fake clock); 0 if unavailable.
  int64_t nowMs() const noexcept {
    if (!has(offsetof(yard_host, now_ms), sizeof(table_->now_ms)) || table_->now_ms == nullptr)
      return 0;
    return table_->now_ms(table_->ctx);
  }

  void count(const char* name, double delta = 1) const noexcept {
    if (!has(offsetof(yard_host, count), sizeof(table_->count)) || table_->count == nullptr) return;
    table_->count(table_->ctx, name, delta);
  }

  // The node's data directory; "" if the host did not give one.
  std::string dataDir() const {
    if (!has(offsetof(yard_host, data_dir), sizeof(table_->data_dir)) || !table_->data_dir)
      return {};
    return table_->data_dir;
  }

  const yard_host* table() const noexcept { return table_; }

 private:
  bool has(size_t offset, size_t size) const noexcept {
    return table_ != nullptr && table_->struct_size >= offset + size;
  }
  const yard_host* table_;
};

// What StorageTable needs from the plugin's two classes. The members mirror yard_storage_api
// one for one (same arguments, minus the handle); see yard/plugin.h for each one's semantics.
// They may throw: the thunks catch. Pointer arguments and callbacks are checked non-NULL by
// the thunks before a member is called.
template <typename T>
concept StorageTxn = requires(T t, const char* s, int64_t i, int32_t n, int64_t& out,
                              yard_error* err, const yard_record_row& rec, const yard_write_row& wr,
                              const yard_audit_row& au, const yard_notice_row& no,
                              const yard_device_row& dev, const yard_outbox_row& ob,
                              const yard_blob_row& bl, const yard_upload_row& up, void* ctx) {
  { t.commit(err) } -> std::same_as<yard_rc>;
  { t.rollback() } -> std::same_as<void>;
  { t.recordGet(s, yard_record_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.recordPut(rec, out, err) } -> std::same_as<yard_rc>;
  { t.recordChanges(i, n, yard_record_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.recordCount(out, err) } -> std::same_as<yard_rc>;
  { t.writeGet(s, yard_write_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.writePut(wr, err) } -> std::same_as<yard_rc>;
  { t.auditAdd(au, out, err) } -> std::same_as<yard_rc>;
  { t.auditGet(i, yard_audit_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.auditList(i, n, yard_audit_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.auditMarkRestored(i, err) } -> std::same_as<yard_rc>;
  { t.noticeAdd(no, err) } -> std::same_as<yard_rc>;
  { t.noticeList(s, n, yard_notice_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.noticeAck(s, s, err) } -> std::same_as<yard_rc>;
  { t.devicePut(dev, err) } -> std::same_as<yard_rc>;
  { t.deviceGet(s, yard_device_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.deviceByToken(s, yard_device_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.deviceList(yard_device_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.metaGet(s, yard_text_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.metaPut(s, s, err) } -> std::same_as<yard_rc>;
  { t.outboxPut(ob, err) } -> std::same_as<yard_rc>;
  { t.outboxList(n, yard_outbox_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.outboxDone(s, s, err) } -> std::same_as<yard_rc>;
  { t.outboxStats(out, out, err) } -> std::same_as<yard_rc>;
  { t.blobPut(bl, err) } -> std::same_as<yard_rc>;
  { t.blobGet(s, yard_blob_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.blobList(s, n, yard_blob_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.blobDelete(s, err) } -> std::same_as<yard_rc>;
  { t.blobStats(out, out, out, err) } -> std::same_as<yard_rc>;
  { t.blobRefAdd(s, s, err) } -> std::same_as<yard_rc>;
  { t.blobRefs(s, yard_text_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.uploadPut(up, err) } -> std::same_as<yard_rc>;
  { t.uploadGet(s, yard_upload_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.uploadList(yard_upload_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.uploadDelete(s, err) } -> std::same_as<yard_rc>;
};

template <typename S, typename T>
concept StorageStore = StorageTxn<T> &&
    requires(S s, const Host& host, std::unique_ptr<S>& out, std::unique_ptr<T>& txn,
             const char* path, bool writable, yard_error* err) {
  { S::open(host, out, err) } -> std::same_as<yard_rc>;
  { s.check(err) } -> std::same_as<yard_rc>;
  { s.backup(path, err) } -> std::same_as<yard_rc>;
  { s.begin(writable, txn, err) } -> std::same_as<yard_rc>;
};

// The yard_storage_api table for Store class S and Txn class T (see StorageStore above).
template <typename S, typename T>
requires StorageStore<S, T>
class StorageTable {
 public:
  static const yard_storage_api* get() noexcept { return &kApi; }

 private:
  static S* store(yard_store* h) { return reinterpret_cast<S*>(h); }
  static T* txn(yard_txn* h) { return reinterpret_cast<T*>(h); }

  // Runs a T member after checking the handle and every pointer argument.
  template <typename Fn, typename... Ptrs>
  static yard_rc onTxn(yard_txn* h, yard_error* err, Fn&& fn, Ptrs... ptrs) noexcept {
    if (h == nullptr) return fail(err, YARD_INVALID, "transaction handle is NULL");
    if (((ptrs == nullptr) || ...)) return fail(err, YARD_INVALID, "NULL argument");
    return guard(err, [&] { return fn(*txn(h)); });
  }

  static yard_rc open(const yard_host* host, yard_store** out, yard_error* err) noexcept {
    if (host == nullptr || out == nullptr) return fail(err, YARD_INVALID, "NULL argument");
    *out = nullptr;
    return guard(err, [&] {
      std::unique_ptr<S> s;
      yard_rc rc = S::open(Host(host), s, err);
      if (rc == YARD_OK && !s) return fail(err, YARD_PERMANENT, "open returned no store");
      if (rc == YARD_OK) *out = reinterpret_cast<yard_store*>(s.release());
      return rc;
    });
  }
  static void close(yard_store* h) noexcept {
    guard(nullptr, [&] { delete store(h); });
  }
  static yard_rc check(yard_store* h, yard_error* err) noexcept {
    if (h == nullptr) return fail(err, YARD_INVALID, "store handle is NULL");
    return guard(err, [&] { return store(h)->check(err); });
  }
  static yard_rc backup(yard_store* h, const char* path, yard_error* err) noexcept {
    if (h == nullptr || path == nullptr) return fail(err, YARD_INVALID, "NULL argument");
    return guard(err, [&] { return store(h)->backup(path, err); });
  }
  static yard_rc begin(yard_store* h, int writable, yard_txn** out, yard_error* err) noexcept {
    if (h == nullptr || out == nullptr) return fail(err, YARD_INVALID, "NULL argument");
    *out = nullptr;
    return guard(err, [&] {
      std::unique_ptr<T> t;
      yard_rc rc = store(h)->begin(writable != 0, t, err);
      if (rc == YARD_OK && !t) return fail(err, YARD_PERMANENT, "begin returned no transaction");
      if (rc == YARD_OK) *out = reinterpret_cast<yard_txn*>(t.release());
      return rc;
    });
  }
  // commit and rollback free the txn whatever happens, as the ABI promises.
  static yard_rc commit(yard_txn* h, yard_error* err) noexcept {
    if (h == nullptr) return fail(err, YARD_INVALID, "transaction handle is NULL");
    std::unique_ptr<T> owned(txn(h));
    return guard(err, [&] { return owned->commit(err); });
  }
  static void rollback(yard_txn* h) noexcept {
    std::unique_ptr<T> owned(txn(h));
    if (owned) guard(nullptr, [&] { owned->rollback(); });
  }

  static yard_rc recordGet(yard_txn* h, const char* id, yard_record_fn fn, void* ctx,
                           yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.recordGet(id, fn, ctx, err); }, id, fn);
  }
  static yard_rc recordPut(yard_txn* h, const yard_record_row* row, int64_t* out,
                           yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.recordPut(*row, *out, err); }, row, out);
  }
  static yard_rc recordChanges(yard_txn* h, int64_t after, int32_t limit, yard_record_fn fn,
                               void* ctx, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.recordChanges(after, limit, fn, ctx, err); }, fn);
  }
  static yard_rc recordCount(yard_txn* h, int64_t* out, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.recordCount(*out, err); }, out);
  }
  static yard_rc writeGet(yard_txn* h, const char* id, yard_write_fn fn, void* ctx,
                          yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.writeGet(id, fn, ctx, err); }, id, fn);
  }
  static yard_rc writePut(yard_txn* h, const yard_write_row* row, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.writePut(*row, err); }, row);
  }
  static yard_rc auditAdd(yard_txn* h, const yard_audit_row* row, int64_t* out,
                          yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.auditAdd(*row, *out, err); }, row, out);
  }
  static yard_rc auditGet(yard_txn* h, int64_t id, yard_audit_fn fn, void* ctx,
                          yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.auditGet(id, fn, ctx, err); }, fn);
  }
  static yard_rc auditList(yard_txn* h, int64_t before, int32_t limit, yard_audit_fn fn, void* ctx,
                           yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.auditList(before, limit, fn, ctx, err); }, fn);
  }
  static yard_rc auditMarkRestored(yard_txn* h, int64_t id, yard_error* err) noexcept {
    return onTxn(h, err, [&](T& t) { return t.auditMarkRestored(id, err); });
  }
  static yard_rc noticeAdd(yard_txn* h, const yard_notice_row* row, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.noticeAdd(*row, err); }, row);
  }
  static yard_rc noticeList(yard_txn* h, const char* device, int32_t limit, yard_notice_fn fn,
                            void* ctx, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.noticeList(device, limit, fn, ctx, err); }, device, fn);
  }
  static yard_rc noticeAck(yard_txn* h, const char* device, const char* notice_id,
                           yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.noticeAck(device, notice_id, err); }, device, notice_id);
  }
  static yard_rc devicePut(yard_txn* h, const yard_device_row* row, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.devicePut(*row, err); }, row);
  }
  static yard_rc deviceGet(yard_txn* h, const char* id, yard_device_fn fn, void* ctx,
                           yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.deviceGet(id, fn, ctx, err); }, id, fn);
  }
  static yard_rc deviceByToken(yard_txn* h, const char* hash, yard_device_fn fn, void* ctx,
                               yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.deviceByToken(hash, fn, ctx, err); }, hash, fn);
  }
  static yard_rc deviceList(yard_txn* h, yard_device_fn fn, void* ctx, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.deviceList(fn, ctx, err); }, fn);
  }
  static yard_rc metaGet(yard_txn* h, const char* key, yard_text_fn fn, void* ctx,
                         yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.metaGet(key, fn, ctx, err); }, key, fn);
  }
  static yard_rc metaPut(yard_txn* h, const char* key, const char* value,
                         yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.metaPut(key, value, err); }, key, value);
  }

  static yard_rc outboxPut(yard_txn* h, const yard_outbox_row* row, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.outboxPut(*row, err); }, row);
  }
  static yard_rc outboxList(yard_txn* h, int32_t limit, yard_outbox_fn fn, void* ctx,
                            yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.outboxList(limit, fn, ctx, err); }, fn);
  }
  static yard_rc outboxDone(yard_txn* h, const char* record_id, const char* stamp,
                            yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.outboxDone(record_id, stamp, err); }, record_id, stamp);
  }
  static yard_rc outboxStats(yard_txn* h, int64_t* count, int64_t* oldest,
                             yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.outboxStats(*count, *oldest, err); }, count, oldest);
  }

  static yard_rc blobPut(yard_txn* h, const yard_blob_row* row, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.blobPut(*row, err); }, row);
  }
  static yard_rc blobGet(yard_txn* h, const char* sha256, yard_blob_fn fn, void* ctx,
                         yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.blobGet(sha256, fn, ctx, err); }, sha256, fn);
  }
  static yard_rc blobList(yard_txn* h, const char* after, int32_t limit, yard_blob_fn fn, void* ctx,
                          yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.blobList(after, limit, fn, ctx, err); }, after, fn);
  }
  static yard_rc blobDelete(yard_txn* h, const char* sha256, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.blobDelete(sha256, err); }, sha256);
  }
  static yard_rc blobStats(yard_txn* h, int64_t* count, int64_t* bytes, int64_t* unconfirmed,
                           yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.blobStats(*count, *bytes, *unconfirmed, err); }, count, bytes,
        unconfirmed);
  }
  static yard_rc blobRefAdd(yard_txn* h, const char* sha256, const char* record_id,
                            yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.blobRefAdd(sha256, record_id, err); }, sha256, record_id);
  }
  static yard_rc blobRefs(yard_txn* h, const char* sha256, yard_text_fn fn, void* ctx,
                          yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.blobRefs(sha256, fn, ctx, err); }, sha256, fn);
  }
  static yard_rc uploadPut(yard_txn* h, const yard_upload_row* row, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.uploadPut(*row, err); }, row);
  }
  static yard_rc uploadGet(yard_txn* h, const char* id, yard_upload_fn fn, void* ctx,
                           yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.uploadGet(id, fn, ctx, err); }, id, fn);
  }
  static yard_rc uploadList(yard_txn* h, yard_upload_fn fn, void* ctx, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.uploadList(fn, ctx, err); }, fn);
  }
  static yard_rc uploadDelete(yard_txn* h, const char* id, yard_error* err) noexcept {
    return onTxn(
        h, err, [&](T& t) { return t.uploadDelete(id, err); }, id);
  }

  static constexpr yard_storage_api kApi{
      .struct_size = sizeof(yard_storage_api),
      .open = &open,
      .close = &close,
      .check = &check,
      .backup = &backup,
      .begin = &begin,
      .commit = &commit,
      .rollback = &rollback,
      .record_get = &recordGet,
      .record_put = &recordPut,
      .record_changes = &recordChanges,
      .record_count = &recordCount,
      .write_get = &writeGet,
      .write_put = &writePut,
      .audit_add = &auditAdd,
      .audit_get = &auditGet,
      .audit_list = &auditList,
      .audit_mark_restored = &auditMarkRestored,
      .notice_add = &noticeAdd,
      .notice_list = &noticeList,
      .notice_ack = &noticeAck,
      .device_put = &devicePut,
      .device_get = &deviceGet,
      .device_by_token = &deviceByToken,
      .device_list = &deviceList,
      .meta_get = &metaGet,
      .meta_put = &metaPut,
      .outbox_put = &outboxPut,
      .outbox_list = &outboxList,
      .outbox_done = &outboxDone,
      .outbox_stats = &outboxStats,
      .blob_put = &blobPut,
      .blob_get = &blobGet,
      .blob_list = &blobList,
      .blob_delete = &blobDelete,
      .blob_stats = &blobStats,
      .blob_ref_add = &blobRefAdd,
      .blob_refs = &blobRefs,
      .upload_put = &uploadPut,
      .upload_get = &uploadGet,
      .upload_list = &uploadList,
      .upload_delete = &uploadDelete,
  };
};

// The descriptor of a storage plugin built from S and T. name must be [a-z0-9_]+ and equal the
// name the host loads it by; keys is the NULL-terminated list of accepted config keys. The
// pointers must outlive the library (string literals and static arrays do).
template <typename S, typename T>
yard_plugin storageDescriptor(const char* name, const char* version,
                              const char* const* keys) noexcept {
  return yard_plugin{sizeof(yard_plugin),
                     YARD_ABI_MAJOR,
                     YARD_ABI_MINOR,
                     YARD_KIND_STORAGE,
                     name,
                     version,
                     keys,
                     StorageTable<S, T>::get(),
                     {}};
}

// What TransportTable needs from a transport plugin's class. blobHas/blobPush/blobFetch are
// optional: a class without them gets NULL slots (a transport that cannot carry attachments).
template <typename T>
concept TransportPlugin = requires(T t, const Host& host, std::unique_ptr<T>& out, const char* s,
                                   size_t n, yard_error* err, void* ctx) {
  { T::open(host, out, err) } -> std::same_as<yard_rc>;
  { t.sync(s, n, yard_text_fn{}, ctx, err) } -> std::same_as<yard_rc>;
  { t.probe(err) } -> std::same_as<yard_rc>;
};

// A transport class that may run several sync calls at once says how many in
// `static constexpr uint32_t kConcurrentSyncs`; without it, one at a time.
template <typename T>
concept TransportWithConcurrentSyncs = requires {
  { T::kConcurrentSyncs } -> std::convertible_to<uint32_t>;
};

template <typename T>
concept TransportWithBlobs = requires(T t, const char* s, int64_t size, yard_error* err) {
  { t.blobHas(s, err) } -> std::same_as<yard_rc>;
  { t.blobPush(s, s, size, s, err) } -> std::same_as<yard_rc>;
  { t.blobFetch(s, s, err) } -> std::same_as<yard_rc>;
};

// The yard_transport_api table for class T. The handle is a heap-allocated T (created by
// T::open, deleted by close). Every call runs inside guard.
template <typename T>
requires TransportPlugin<T>
class TransportTable {
 public:
  static const yard_transport_api* get() noexcept { return &kApi; }

 private:
  static T* self(yard_transport* h) { return reinterpret_cast<T*>(h); }

  static yard_rc open(const yard_host* host, yard_transport** out, yard_error* err) noexcept {
    if (host == nullptr || out == nullptr) return fail(err, YARD_INVALID, "NULL argument");
    *out = nullptr;
    return guard(err, [&] {
      std::unique_ptr<T> t;
      yard_rc rc = T::open(Host(host), t, err);
      if (rc == YARD_OK && !t) return fail(err, YARD_PERMANENT, "open returned no transport");
      if (rc == YARD_OK) *out = reinterpret_cast<yard_transport*>(t.release());
      return rc;
    });
  }
  static void close(yard_transport* h) noexcept {
    guard(nullptr, [&] { delete self(h); });
  }
  static yard_rc sync(yard_transport* h, const char* request, size_t len, yard_text_fn fn,
                      void* ctx, yard_error* err) noexcept {
    if (h == nullptr || request == nullptr || fn == nullptr)
      return fail(err, YARD_INVALID, "NULL argument");
    return guard(err, [&] { return self(h)->sync(request, len, fn, ctx, err); });
  }
  static yard_rc probe(yard_transport* h, yard_error* err) noexcept {
    if (h == nullptr) return fail(err, YARD_INVALID, "NULL argument");
    return guard(err, [&] { return self(h)->probe(err); });
  }
  static yard_rc blobHas(yard_transport* h, const char* sha, yard_error* err) noexcept {
    if (h == nullptr || sha == nullptr) return fail(err, YARD_INVALID, "NULL argument");
    return guard(err, [&] { return self(h)->blobHas(sha, err); });
  }
  static yard_rc blobPush(yard_transport* h, const char* sha, const char* path, int64_t size,
                          const char* mime, yard_error* err) noexcept {
    if (h == nullptr || sha == nullptr || path == nullptr || mime == nullptr)
      return fail(err, YARD_INVALID, "NULL argument");
    return guard(err, [&] { return self(h)->blobPush(sha, path, size, mime, err); });
  }
  static yard_rc blobFetch(yard_transport* h, const char* sha, const char* dest,
                           yard_error* err) noexcept {
    if (h == nullptr || sha == nullptr || dest == nullptr)
      return fail(err, YARD_INVALID, "NULL argument");
    return guard(err, [&] { return self(h)->blobFetch(sha, dest, err); });
  }

  static constexpr yard_transport_api makeApi() noexcept {
    yard_transport_api api{};
    api.struct_size = sizeof(yard_transport_api);
    api.open = &open;
    api.close = &close;
    api.sync = &sync;
    api.probe = &probe;
    if constexpr (TransportWithBlobs<T>) {
      api.blob_has = &blobHas;
      api.blob_push = &blobPush;
      api.blob_fetch = &blobFetch;
    }
    api.concurrent_syncs = 1;
    if constexpr (TransportWithConcurrentSyncs<T>) api.concurrent_syncs = T::kConcurrentSyncs;
    return api;
  }
  static constexpr yard_transport_api kApi = makeApi();
};

// The descriptor of a transport plugin built from class T (see TransportPlugin).
template <typename T>
requires TransportPlugin<T> yard_plugin transportDescriptor(const char* name, const char* version,
                                                            const char* const* keys)
noexcept {
  return yard_plugin{sizeof(yard_plugin),
                     YARD_ABI_MAJOR,
                     YARD_ABI_MINOR,
                     YARD_KIND_TRANSPORT,
                     name,
                     version,
                     keys,
                     TransportTable<T>::get(),
                     {}};
}

}  // namespace yard::sdk

#endif  // YARD_PLUGIN_HPP
