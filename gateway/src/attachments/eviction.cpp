#include "attachments/eviction.h"

#include <algorithm>

namespace yard::attachments {

std::vector<std::string> chooseEvictions(const std::vector<BlobFacts>& blobs,
                                         const EvictionPolicy& policy, int64_t now_ms) {
  std::vector<const BlobFacts*> due;
  if (!policy.has_upstream) return {};
  for (const auto& b : blobs)
    if (b.confirmed_ms > 0 && b.confirmed_ms <= now_ms - policy.grace_ms) due.push_back(&b);
  std::sort(due.begin(), due.end(), [](const BlobFacts* a, const BlobFacts* b) {
    return a->confirmed_ms != b->confirmed_ms ? a->confirmed_ms < b->confirmed_ms
                                              : a->sha256 < b->sha256;
  });
  std::vector<std::string> out;
  out.reserve(due.size());
  for (const auto* b : due) out.push_back(b->sha256);
  return out;
}

bool hasRoom(int64_t used_bytes, int64_t reserved_bytes, int64_t length, int64_t quota_bytes) {
  return length <= quota_bytes && used_bytes + reserved_bytes <= quota_bytes - length;
}

}  // namespace yard::attachments
