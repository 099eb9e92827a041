#include "storage_conformance.h"

#include "conformance_cases.h"

namespace yard::test {

const std::vector<ConformanceCase>& conformanceCases() {
  static const std::vector<ConformanceCase> kCases = {
      {"records: put, get, replace, count", &cases::recordsPutGet},
      {"records: changes in seq order, paged", &cases::changesOrderAndPaging},
      {"records: seq monotonic across transactions and reopen", &cases::seqMonotonicAcrossReopen},
      {"writes: put and get", &cases::writes},
      {"audit: idempotent add, list order, restored flag", &cases::audit},
      {"notices: idempotent, oldest first, ack isolated per device", &cases::notices},
      {"devices: put, get, by token, list, revoke", &cases::devices},
      {"meta: get and put", &cases::meta},
      {"outbox: idempotent put, oldest first, done, stats", &cases::outbox},
      {"blobs: put keeps first seen, list paged by sha256, stats of present blobs", &cases::blobs},
      {"blobs: references, idempotent, before the blob exists", &cases::blobRefs},
      {"uploads: put, offset bounds, get, list oldest first, delete", &cases::uploads},
      {"text: a NUL byte never truncates a key onto another row", &cases::nulBytes},
      {"txn: read-only refuses writes", &cases::readOnlyRefusesWrites},
      {"txn: rollback discards", &cases::rollbackDiscards},
      {"txn: read snapshot isolation", &cases::readSnapshotIsolation},
      {"txn: commit durable on reopen", &cases::commitDurableOnReopen},
      {"txn: finished txn refuses calls", &cases::finishedTxnRefusesCalls},
      {"identity: refuses another plugin's store", &cases::refusesForeignPlugin},
      {"identity: refuses a newer format", &cases::refusesNewerFormat},
      {"admin: check and backup", &cases::checkAndBackup},
      {"admin: backup while writing is consistent", &cases::backupWhileWriting},
  };
  return kCases;
}

}  // namespace yard::test
