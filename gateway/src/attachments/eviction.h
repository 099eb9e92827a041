#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yard::attachments {

// What the eviction choice needs to know about one blob held whole on this node.
struct BlobFacts {
  std::string sha256;
  int64_t size = 0;
  int64_t confirmed_ms = 0;  // when upstream confirmed it holds the blob whole; 0: not yet
};

struct EvictionPolicy {
  bool has_upstream = true;  // a hub (no upstream) never evicts
  int64_t grace_ms = 24 * 3600 * 1000;
};

// The blobs to evict now (DESIGN §2 rule 5), oldest confirmation first: every blob confirmed
// upstream at least grace_ms ago. Never one that is unconfirmed, nor one still inside its grace
// window, whatever the quota says: when the quota is full of such blobs the node refuses new
// uploads instead (see hasRoom). Pure.
std::vector<std::string> chooseEvictions(const std::vector<BlobFacts>& blobs,
                                         const EvictionPolicy& policy, int64_t now_ms);

// Whether an upload of length bytes fits: used + reserved + length <= quota. used counts blobs
// held whole, reserved the declared lengths of uploads in progress (so 50 phones starting at
// once cannot overcommit the disk between them).
bool hasRoom(int64_t used_bytes, int64_t reserved_bytes, int64_t length, int64_t quota_bytes);

}  // namespace yard::attachments
