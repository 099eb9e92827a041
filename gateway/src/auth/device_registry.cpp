#include "auth/device_registry.h"

#include "auth/token.h"
#include "core/record.h"
#include "core/wall_clock.h"

namespace yard::auth {
namespace {

// The cache is a convenience, not a copy of the table; bound it so a token-guessing client
// cannot grow it (only successful lookups are cached anyway).
constexpr size_t kMaxCached = 10000;

}  // namespace

DeviceRegistry::DeviceRegistry(store::Store& store, sync::CommitQueue& writer)
    : store_(store), writer_(writer) {}

Result<Enrolment> DeviceRegistry::enroll(const std::string& id, const std::string& site,
                                         const std::string& operator_id, bool node) {
  if (!core::isValidId(id))
    return Status::invalid("id must be 1-128 characters of A-Z a-z 0-9 . _ : @ -");
  if (!core::isValidId(site))
    return Status::invalid("site must be 1-128 characters of A-Z a-z 0-9 . _ : @ -");
  if (!operator_id.empty() && !core::isValidId(operator_id))
    return Status::invalid("operator must be 1-128 characters of A-Z a-z 0-9 . _ : @ -");

  Enrolment enrolment{id, generateToken(node ? "ynode_" : "ydev_")};
  store::DeviceRow row;
  row.id = id;
  row.site = site;
  row.operator_id = operator_id;
  row.node = node;
  row.token_hash = hashToken(enrolment.token);
  row.created_ms = core::unixNowMs();

  bool exists = false;
  Status s = writer_.run([&](store::Txn& txn) -> Status {
    exists = false;
    auto current = txn.getDevice(id);
    if (!current.isOk()) return current.status();
    if (current->has_value()) {
      exists = true;
      return Status::ok();
    }
    return txn.putDevice(row);
  });
  if (!s.isOk()) return s;
  if (exists) return Status::invalid("a device with id '" + id + "' already exists");
  return enrolment;
}

Status DeviceRegistry::revoke(const std::string& id) {
  bool found = false;
  Status s = writer_.run([&](store::Txn& txn) -> Status {
    found = false;
    auto current = txn.getDevice(id);
    if (!current.isOk()) return current.status();
    if (!current->has_value()) return Status::ok();
    found = true;
    store::DeviceRow row = std::move(**current);
    row.revoked = true;
    return txn.putDevice(row);
  });
  {
    // Drop the cache even if the commit failed: the next lookup re-reads the truth.
    std::lock_guard lock(mu_);
    by_token_hash_.clear();
    ++generation_;
  }
  if (!s.isOk()) return s;
  if (!found) return Status::notFound("no device with id '" + id + "'");
  return Status::ok();
}

Result<std::optional<store::DeviceRow>> DeviceRegistry::authenticate(const std::string& token) {
  if (token.empty()) return std::optional<store::DeviceRow>();
  const std::string hash = hashToken(token);
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (auto it = by_token_hash_.find(hash); it != by_token_hash_.end()) return {it->second};
    generation = generation_;
  }
  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  auto row = txn->deviceByToken(hash);
  if (!row.isOk()) return row.status();
  if (!row->has_value() || (*row)->revoked) return std::optional<store::DeviceRow>();
  std::lock_guard lock(mu_);
  if (generation != generation_) return row.value();
  if (by_token_hash_.size() >= kMaxCached) by_token_hash_.clear();
  by_token_hash_[hash] = **row;
  return row.value();
}

Result<std::optional<store::DeviceRow>> DeviceRegistry::find(const std::string& id) {
  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  return txn->getDevice(id);
}

Result<std::vector<store::DeviceRow>> DeviceRegistry::list() {
  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  return txn->listDevices();
}

}  // namespace yard::auth
