// yard/plugin.hpp: exceptions never cross the ABI, handles are owned as documented, and the
// generated storage table is one the loader accepts.

#include <catch2/catch.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>

#include "plugin/descriptor_check.h"
#include "yard/plugin.hpp"

namespace {

using yard::sdk::fail;

struct ToyTxn {
  static inline int live = 0;
  ToyTxn() { ++live; }
  ~ToyTxn() { --live; }
  ToyTxn(const ToyTxn&) = delete;
  ToyTxn& operator=(const ToyTxn&) = delete;
  bool explode_on_commit = false;

  yard_rc commit(yard_error*) {
    if (explode_on_commit) throw std::runtime_error("commit exploded");
    return YARD_OK;
  }
  void rollback() {}
  yard_rc recordGet(const char* id, yard_record_fn fn, void* ctx, yard_error*) {
    const std::string what(id);
    if (what == "throw") throw std::logic_error("boom in recordGet");
    if (what == "oom") throw std::bad_alloc();
    if (what == "int") throw 42;
    const yard_record_row row{id, "site", "type", "stamp", 7, "{}"};
    fn(ctx, &row);
    return YARD_OK;
  }
  yard_rc recordPut(const yard_record_row&, int64_t& seq, yard_error*) {
    seq = 99;
    return YARD_OK;
  }
  yard_rc recordChanges(int64_t, int32_t, yard_record_fn, void*, yard_error* e) { return no(e); }
  yard_rc recordCount(int64_t&, yard_error* e) { return no(e); }
  yard_rc writeGet(const char*, yard_write_fn, void*, yard_error* e) { return no(e); }
  yard_rc writePut(const yard_write_row&, yard_error* e) { return no(e); }
  yard_rc auditAdd(const yard_audit_row&, int64_t&, yard_error* e) { return no(e); }
  yard_rc auditGet(int64_t, yard_audit_fn, void*, yard_error* e) { return no(e); }
  yard_rc auditList(int64_t, int32_t, yard_audit_fn, void*, yard_error* e) { return no(e); }
  yard_rc auditMarkRestored(int64_t, yard_error* e) { return no(e); }
  yard_rc noticeAdd(const yard_notice_row&, yard_error* e) { return no(e); }
  yard_rc noticeList(const char*, int32_t, yard_notice_fn, void*, yard_error* e) { return no(e); }
  yard_rc noticeAck(const char*, const char*, yard_error* e) { return no(e); }
  yard_rc devicePut(const yard_device_row&, yard_error* e) { return no(e); }
  yard_rc deviceGet(const char*, yard_device_fn, void*, yard_error* e) { return no(e); }
  yard_rc deviceByToken(const char*, yard_device_fn, void*, yard_error* e) { return no(e); }
  yard_rc deviceList(yard_device_fn, void*, yard_error* e) { return no(e); }
  yard_rc metaGet(const char*, yard_text_fn, void*, yard_error* e) { return no(e); }
  yard_rc metaPut(const char*, const char*, yard_error* e) { return no(e); }
  yard_rc outboxPut(const yard_outbox_row&, yard_error* e) { return no(e); }
  yard_rc outboxList(int32_t, yard_outbox_fn, void*, yard_error* e) { return no(e); }
  yard_rc outboxDone(const char*, const char*, yard_error* e) { return no(e); }
  yard_rc outboxStats(int64_t&, int64_t&, yard_error* e) { return no(e); }
  yard_rc blobPut(const yard_blob_row&, yard_error* e) { return no(e); }
  yard_rc blobGet(const char*, yard_blob_fn, void*, yard_error* e) { return no(e); }
  yard_rc blobList(const char*, int32_t, yard_blob_fn, void*, yard_error* e) { return no(e); }
  yard_rc blobDelete(const char*, yard_error* e) { return no(e); }
  yard_rc blobStats(int64_t&, int64_t&, int64_t&, yard_error* e) { return no(e); }
  yard_rc blobRefAdd(const char*, const char*, yard_error* e) { return no(e); }
  yard_rc blobRefs(const char*, yard_text_fn, void*, yard_error* e) { return no(e); }
  yard_rc uploadPut(const yard_upload_row&, yard_error* e) { return no(e); }
  yard_rc uploadGet(const char*, yard_upload_fn, void*, yard_error* e) { return no(e); }
  yard_rc uploadList(yard_upload_fn, void*, yard_error* e) { return no(e); }
  yard_rc uploadDelete(const char*, yard_error* e) { return no(e); }

  static yard_rc no(yard_error* e) { return fail(e, YARD_INVALID, "not in the toy"); }
};

struct ToyStore {
  static yard_rc open(const yard::sdk::Host& host, std::unique_ptr<ToyStore>& out,
                      yard_error* err) {
    if (host.config("fail")) return fail(err, YARD_INVALID, "told to fail");
    out = std::make_unique<ToyStore>();
    return YARD_OK;
  }
  yard_rc check(yard_error*) { throw std::runtime_error("check exploded"); }
  yard_rc backup(const char*, yard_error*) { return YARD_OK; }
  yard_rc begin(bool writable, std::unique_ptr<ToyTxn>& out, yard_error*) {
    out = std::make_unique<ToyTxn>();
    out->explode_on_commit = writable;
    return YARD_OK;
  }
};

const yard_storage_api* api() { return yard::sdk::StorageTable<ToyStore, ToyTxn>::get(); }

// A host whose config says "fail" when asked to.
const char* failingConfig(void*, const char* key) {
  return std::string(key) == "fail" ? "yes" : nullptr;
}

int copyId(void* ctx, const yard_record_row* row) {
  *static_cast<std::string*>(ctx) = row->id;
  return 0;
}

}  // namespace

TEST_CASE("sdk: the generated table and descriptor pass the loader's checks", "[plugin][sdk]") {
  static const char* const keys[] = {"k", nullptr};
  const yard_plugin d = yard::sdk::storageDescriptor<ToyStore, ToyTxn>("toy", "1.2.3", keys);
  const yard::Status st = yard::plugin::checkDescriptor(&d, "toy.so", YARD_KIND_STORAGE, "toy",
                                                        YARD_ABI_MAJOR, YARD_ABI_MINOR);
  INFO(st.message());
  CHECK(st.isOk());
  CHECK(api()->struct_size == sizeof(yard_storage_api));
}

TEST_CASE("sdk: exceptions become YARD_PERMANENT with a message", "[plugin][sdk]") {
  yard_host host{};
  host.struct_size = sizeof(host);
  yard_store* store = nullptr;
  yard_error err{};
  REQUIRE(api()->open(&host, &store, &err) == YARD_OK);
  REQUIRE(store != nullptr);

  CHECK(api()->check(store, &err) == YARD_PERMANENT);
  CHECK(std::string(err.message) == "check exploded");

  yard_txn* txn = nullptr;
  REQUIRE(api()->begin(store, 0, &txn, &err) == YARD_OK);
  std::string got;
  CHECK(api()->record_get(txn, "r-1", &copyId, &got, &err) == YARD_OK);
  CHECK(got == "r-1");
  CHECK(api()->record_get(txn, "throw", &copyId, &got, &err) == YARD_PERMANENT);
  CHECK(std::string(err.message) == "boom in recordGet");
  CHECK(api()->record_get(txn, "oom", &copyId, &got, &err) == YARD_PERMANENT);
  CHECK(std::string(err.message) == "out of memory");
  CHECK(api()->record_get(txn, "int", &copyId, &got, &err) == YARD_PERMANENT);
  CHECK(std::string(err.message) == "unknown C++ exception in plugin");
  // NULL arguments are refused before the plugin's code runs.
  CHECK(api()->record_get(txn, nullptr, &copyId, &got, &err) == YARD_INVALID);
  CHECK(api()->record_get(txn, "r-1", nullptr, &got, &err) == YARD_INVALID);
  CHECK(api()->record_get(nullptr, "r-1", &copyId, &got, &err) == YARD_INVALID);
  int64_t seq = 0;
  CHECK(api()->record_put(txn, nullptr, &seq, &err) == YARD_INVALID);
  CHECK(api()->meta_put(txn, "k", "v", &err) == YARD_INVALID);
  CHECK(std::string(err.message) == "not in the toy");
  CHECK(api()->commit(txn, &err) == YARD_OK);  // frees the read txn
  CHECK(ToyTxn::live == 0);

  // A commit that throws still frees the transaction, as does a rollback.
  REQUIRE(api()->begin(store, 1, &txn, &err) == YARD_OK);
  CHECK(api()->commit(txn, &err) == YARD_PERMANENT);
  CHECK(std::string(err.message) == "commit exploded");
  CHECK(ToyTxn::live == 0);
  REQUIRE(api()->begin(store, 1, &txn, &err) == YARD_OK);
  api()->rollback(txn);
  CHECK(ToyTxn::live == 0);
  api()->rollback(nullptr);  // tolerated
  api()->close(store);
}

TEST_CASE("sdk: open's failure leaves no store", "[plugin][sdk]") {
  yard_host host{};
  host.struct_size = sizeof(host);
  host.config = &failingConfig;
  yard_store* store = reinterpret_cast<yard_store*>(&host);  // must be overwritten
  yard_error err{};
  CHECK(api()->open(&host, &store, &err) == YARD_INVALID);
  CHECK(store == nullptr);
  CHECK(std::string(err.message) == "told to fail");
  CHECK(api()->open(nullptr, &store, &err) == YARD_INVALID);
}

TEST_CASE("sdk: setError truncates; Host ignores members a short table lacks", "[plugin][sdk]") {
  yard_error err{};
  yard::sdk::setError(&err, std::string(2000, 'e'));
  CHECK(std::string(err.message).size() == sizeof(err.message) - 1);
  yard::sdk::setError(nullptr, "ignored");

  yard_host host{};
  host.config = &failingConfig;
  host.struct_size = offsetof(yard_host, config);  // a table that ends before config
  const yard::sdk::Host short_host(&host);
  CHECK_FALSE(short_host.config("fail").has_value());
  CHECK(short_host.config("fail", "dflt") == "dflt");
  CHECK(short_host.nowMs() == 0);
  CHECK(short_host.dataDir().empty());
  short_host.info("no log function: dropped");
  host.struct_size = sizeof(host);
  CHECK(yard::sdk::Host(&host).config("fail") == std::optional<std::string>("yes"));
}
