#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "store/rows.h"
#include "store/store.h"
#include "sync/commit_queue.h"

namespace yard::auth {

struct Enrolment {
  std::string id;
  std::string token;  // shown once, to the admin who enrolled the device; never stored
};

// Devices and node clients allowed to sync with this node, and who a bearer token belongs to.
// Tokens are kept hashed; lookups are cached in memory and the cache is dropped on every
// revocation, so a revoked token stops working on the next request. Thread-safe.
class DeviceRegistry {
 public:
  DeviceRegistry(store::Store& store, sync::CommitQueue& writer);

  // Creates a device with a fresh token. Fails with invalid when the id exists already (even
  // revoked: ids are never reused, so old audit rows keep meaning what they meant).
  Result<Enrolment> enroll(const std::string& id, const std::string& site,
                           const std::string& operator_id, bool node);

  // Revokes the device's token at once. notFound when there is no such device.
  Status revoke(const std::string& id);

  // The active (not revoked) device that token belongs to.
  Result<std::optional<store::DeviceRow>> authenticate(const std::string& token);

  Result<std::optional<store::DeviceRow>> find(const std::string& id);
  Result<std::vector<store::DeviceRow>> list();

 private:
  store::Store& store_;
  sync::CommitQueue& writer_;
  std::mutex mu_;
  std::unordered_map<std::string, store::DeviceRow> by_token_hash_;
  // Bumped on revocation: a lookup that started before it must not repopulate the cache.
  uint64_t generation_ = 0;
};

}  // namespace yard::auth
