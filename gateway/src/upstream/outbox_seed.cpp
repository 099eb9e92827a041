#include "upstream/outbox_seed.h"

#include <spdlog/spdlog.h>

namespace yard::upstream {
namespace {
constexpr const char* kSeededKey = "outbox_seeded";
constexpr int kChunk = 1000;
}  // namespace

Status seedOutbox(store::Store& store, sync::CommitQueue& writer, int64_t now_ms) {
  int64_t queued = 0;
  Status s = writer.run([&](store::Txn& txn) -> Status {
    queued = 0;
    auto seeded = txn.getMeta(kSeededKey);
    if (!seeded.isOk()) return seeded.status();
    if (seeded->has_value()) return Status::ok();
    int64_t after = 0;
    for (;;) {
      std::vector<store::RecordRow> rows;
      Status scan = txn.changes(after, kChunk, [&](const store::RecordRow& row) {
        rows.push_back(row);
        return true;
      });
      if (!scan.isOk()) return scan;
      for (const auto& row : rows) {
        if (Status p = txn.putOutbox({row.id, row.stamp, "", now_ms}); !p.isOk()) return p;
        after = row.seq;
        ++queued;
      }
      if (rows.size() < static_cast<size_t>(kChunk)) break;
    }
    return txn.putMeta(kSeededKey, "1");
  });
  if (s.isOk() && queued > 0)
    spdlog::info("[upstream] first start with an upstream: queued {} existing records", queued);
  return s;
}

}  // namespace yard::upstream
