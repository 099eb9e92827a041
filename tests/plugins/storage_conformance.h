#pragma once

// The storage conformance suite: what every storage plugin must do, written once against
// store::Store and run against each backend through a small factory (the idea of osquery's
// CREATE_DATABASE_TESTS). A new backend (postgres) implements StorageBackend and adds one line:
//
//   YARD_STORAGE_CONFORMANCE_TESTS("postgres", [] { return std::make_unique<PgBackend>(); })

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace yard::test {

// One backend under test. A new instance stands for a new, empty store of its own.
class StorageBackend {
 public:
  virtual ~StorageBackend() = default;
  // Opens the store (creating it on first use). The Store from an earlier open must be
  // destroyed first; reopening sees everything committed before.
  virtual Result<std::unique_ptr<store::Store>> open() = 0;
  // A target for Store::backup, and a way to open what was written there.
  virtual std::string backupTarget() = 0;
  virtual Result<std::unique_ptr<store::Store>> openBackup() = 0;
  // With the store closed, rewrite its recorded identity as if another plugin, or a newer
  // format of this one, had written it (tests of the refusal to open such a store).
  virtual void forgePluginName(const std::string& plugin) = 0;
  virtual void forgeFormat(int format) = 0;
};

struct ConformanceCase {
  const char* name;
  void (*run)(StorageBackend& backend);
};

// Every case of the suite, in a fixed order.
const std::vector<ConformanceCase>& conformanceCases();

}  // namespace yard::test

// Registers the suite for one backend: one TEST_CASE, one section per case, each section with
// a fresh backend from make_backend (a callable returning std::unique_ptr<StorageBackend>).
#define YARD_STORAGE_CONFORMANCE_TESTS(label, make_backend)                       \
  TEST_CASE("storage conformance: " label, "[storage][conformance][" label "]") { \
    for (const auto& conformance_case : ::yard::test::conformanceCases()) {       \
      DYNAMIC_SECTION(conformance_case.name) {                                    \
        std::unique_ptr<::yard::test::StorageBackend> backend = (make_backend)(); \
        conformance_case.run(*backend);                                           \
      }                                                                           \
    }                                                                             \
  }
