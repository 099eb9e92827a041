#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/record.h"
#include "core/status.h"
#include "sync/caller.h"

namespace yard::sync {

// One write of a sync request (DESIGN §4), already shaped as a record version.
struct WriteRequest {
  std::string write_id;
  core::Record version;   // stamp/origin set only when a trusted node sent them
  std::string body_text;  // version.body dumped here, on the request's thread, not the writer's
  std::optional<std::string> base;
  bool has_assigned_to = false;  // absent: keep the canonical assignment
  // Why the write is refused whatever the store holds (unknown type, another site, fields its
  // type forbids), or none: BatchApplier::precheck fills it before the writer thread runs.
  std::optional<std::string> rejection;
};

struct SyncRequest {
  std::string device;
  int64_t cursor = 0;  // change sequence already seen (0: from the start)
  int limit = 500;
  std::vector<WriteRequest> writes;
  std::vector<std::string> inbox_ack;
  std::optional<int64_t> pending;  // extension: writes the device still holds after this batch
  // Extension: accepted results carry the canonical `stamp` instead of the whole `record` (the
  // sender already holds what it wrote). Halves what a draining gateway downloads.
  bool brief = false;
  // Extension: stamps of versions the caller sent in requests whose answers it has not read
  // yet. They are left out of this answer's changes like the request's own writes, so a node
  // may keep several requests in flight without getting one's writes back in another's answer.
  std::vector<std::string> in_flight;
};

// Largest page of changes one call returns.
inline constexpr int kMaxLimit = 1000;
// Most writes one request may carry.
inline constexpr size_t kMaxWrites = 5000;
// Most stamps `in_flight` may list (two full requests' worth).
inline constexpr size_t kMaxInFlight = 2 * kMaxWrites;

// Parses and checks the envelope of a sync request. Shape errors (wrong JSON types, missing
// write_id, unknown fields, ids that are not ids) are Status::invalid naming the field: the
// whole request is refused and nothing is applied. Content problems a type check finds are not
// errors here; they become per-write `rejected` results later. Fields a phone may not set
// (stamp, origin) are dropped unless caller.node.
// Takes json by value: record bodies are moved out of it, not copied.
Result<SyncRequest> parseSyncRequest(core::Json json, const Caller& caller);

std::string encodeCursor(int64_t seq);
std::optional<int64_t> decodeCursor(const std::string& cursor);

}  // namespace yard::sync
