#pragma once

#include "storage_conformance.h"

namespace yard::test {

// kill -9 durability of a storage plugin: a child process commits batches (records, blob
// metadata, blob references, an upload's offset) through the real plugin and reports each batch
// only after commit() returned OK; the parent kills it with SIGKILL at a random moment, reopens
// the store and checks that every acknowledged batch is there in full and that no batch is there
// in part. Five rounds on the same store, so each also recovers from the previous crash. Runs
// Catch2 checks; call it from a TEST_CASE.
void killWriterRounds(StorageBackend& backend);

}  // namespace yard::test
