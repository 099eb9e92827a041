#pragma once

// Internals of the conformance suite: the cases and the helpers they share.

#include <string>
#include <utility>

#include "storage_conformance.h"

namespace yard::test {

// Fails the test (with the message) unless the Status is ok.
#define YARD_REQUIRE_OK(expr)          \
  do {                                 \
    const ::yard::Status st_ = (expr); \
    INFO(st_.message());               \
    REQUIRE(st_.isOk());               \
  } while (0)

// The value of r, failing the test (with the message) when there is none.
template <typename T>
T valueOf(Result<T> r) {
  INFO(r.status().message());
  REQUIRE(r.isOk());
  return std::move(r).value();
}

inline std::unique_ptr<store::Store> openStore(StorageBackend& backend) {
  return valueOf(backend.open());
}

inline store::Txn beginTxn(store::Store& s, bool writable) { return valueOf(s.begin(writable)); }

inline store::RecordRow recordRow(const std::string& id, const std::string& stamp,
                                  const std::string& doc = "{}") {
  return store::RecordRow{id, "site-1", "inspection", stamp, 0, doc};
}

// Commits one record in its own transaction and returns its seq.
inline int64_t putCommitted(store::Store& s, const store::RecordRow& row) {
  auto txn = beginTxn(s, true);
  const int64_t seq = valueOf(txn.putRecord(row));
  YARD_REQUIRE_OK(txn.commit());
  return seq;
}

namespace cases {
// conformance_rows.cpp
void recordsPutGet(StorageBackend& b);
void changesOrderAndPaging(StorageBackend& b);
void seqMonotonicAcrossReopen(StorageBackend& b);
void writes(StorageBackend& b);
void audit(StorageBackend& b);
void notices(StorageBackend& b);
void devices(StorageBackend& b);
void meta(StorageBackend& b);
void outbox(StorageBackend& b);
void nulBytes(StorageBackend& b);
// conformance_blobs.cpp
void blobs(StorageBackend& b);
void blobRefs(StorageBackend& b);
void uploads(StorageBackend& b);
// conformance_txns.cpp
void readOnlyRefusesWrites(StorageBackend& b);
void rollbackDiscards(StorageBackend& b);
void readSnapshotIsolation(StorageBackend& b);
void commitDurableOnReopen(StorageBackend& b);
void finishedTxnRefusesCalls(StorageBackend& b);
void refusesForeignPlugin(StorageBackend& b);
void refusesNewerFormat(StorageBackend& b);
void checkAndBackup(StorageBackend& b);
void backupWhileWriting(StorageBackend& b);
}  // namespace cases

}  // namespace yard::test
