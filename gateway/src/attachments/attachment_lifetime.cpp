// The lifetime half of AttachmentService: upstream confirmation and fetch-back (driven by the
// upstream loop's blob step), eviction, the maintenance pass, and the status figures.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "attachments/attachment_service.h"

namespace yard::attachments {
namespace {

// How often maintenance runs: often enough that a short grace or expiry (tests, small boxes)
// is honoured within a quarter of it, never busier than 5 times a second.
int64_t maintenanceIntervalMs(const AttachmentOptions& o) {
  const int64_t shortest = std::min(o.upload_expiry_ms, o.eviction.grace_ms);
  return std::clamp<int64_t>(shortest / 4, 200, 60 * 1000);
}

}  // namespace

Result<std::vector<store::BlobRow>> AttachmentService::unconfirmed() {
  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  std::vector<store::BlobRow> out;
  for (std::string after;;) {
    auto page = txn->listBlobs(after, 500);
    if (!page.isOk()) return page.status();
    for (auto& b : page.value())
      if (b.present && b.confirmed_ms == 0) out.push_back(std::move(b));
    if (page->size() < 500) break;
    after = page->back().sha256;
  }
  std::stable_sort(out.begin(), out.end(), [](const store::BlobRow& a, const store::BlobRow& b) {
    return a.size < b.size;
  });
  return out;
}

Status AttachmentService::confirm(const std::string& sha256) {
  const int64_t now = clock_();
  return writer_.run([&](store::Txn& txn) -> Status {
    auto row = txn.getBlob(sha256);
    if (!row.isOk()) return row.status();
    if (!row->has_value() || (*row)->confirmed_ms > 0) return Status::ok();
    store::BlobRow confirmed = **row;
    confirmed.confirmed_ms = now;
    return txn.putBlob(confirmed);
  });
}

std::vector<std::string> AttachmentService::takeFetchRequests() {
  std::lock_guard<std::mutex> lock(fetch_mu_);
  std::vector<std::string> out(fetch_requests_.begin(), fetch_requests_.end());
  return out;
}

std::string AttachmentService::fetchPath(const std::string& sha256) const {
  return blobs_.partialPath("fetch-" + sha256);
}

Status AttachmentService::fetched(const std::string& sha256) {
  Status s;
  {
    std::lock_guard<std::mutex> filing(filing_mu_);
    s = blobs_.adoptFile(fetchPath(sha256), sha256, "");
    if (s.isOk())
      s = writer_.run([&](store::Txn& txn) -> Status {
        auto row = txn.getBlob(sha256);
        if (!row.isOk()) return row.status();
        if (!row->has_value()) return Status::ok();
        store::BlobRow back = **row;
        back.present = true;
        // Held again for a fresh grace window, counted from now.
        back.confirmed_ms = std::max<int64_t>(back.confirmed_ms, clock_());
        return txn.putBlob(back);
      });
  }
  {
    std::lock_guard<std::mutex> lock(fetch_mu_);
    fetch_requests_.erase(sha256);
  }
  fetch_done_.notify_all();
  return s;
}

void AttachmentService::fetchFailed(const std::string& sha256) {
  {
    std::lock_guard<std::mutex> lock(fetch_mu_);
    fetch_requests_.erase(sha256);
  }
  (void)blobs_.removePartial("fetch-" + sha256);
  fetch_done_.notify_all();
}

Result<std::optional<store::BlobRow>> AttachmentService::fetchBack(const std::string& sha256,
                                                                   int64_t timeout_ms) {
  {
    auto txn = store_.begin(false);
    if (!txn.isOk()) return txn.status();
    auto row = txn->getBlob(sha256);
    if (!row.isOk()) return row.status();
    // Only what upstream confirmed can be fetched back; anything else it may not have.
    if (!row->has_value() || (*row)->confirmed_ms == 0 || !uplink_wake_)
      return std::optional<store::BlobRow>();
  }
  {
    std::lock_guard<std::mutex> lock(fetch_mu_);
    fetch_requests_.insert(sha256);
  }
  uplink_wake_();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::unique_lock<std::mutex> lock(fetch_mu_);
  fetch_done_.wait_until(lock, deadline, [&] { return fetch_requests_.count(sha256) == 0; });
  lock.unlock();
  return held(sha256);
}

Status AttachmentService::evict(const std::string& sha256) {
  std::lock_guard<std::mutex> filing(filing_mu_);
  // The row first: a crash before the unlink leaves a file whose row says evicted, which the
  // next pass deletes; the other order could leave a row promising bytes that are gone.
  Status s = writer_.run([&](store::Txn& txn) -> Status {
    auto row = txn.getBlob(sha256);
    if (!row.isOk()) return row.status();
    if (!row->has_value()) return Status::ok();
    store::BlobRow evicted = **row;
    evicted.present = false;
    return txn.putBlob(evicted);
  });
  if (!s.isOk()) return s;
  return blobs_.remove(sha256);
}

Status AttachmentService::maintain() {
  const int64_t now = clock_();
  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  auto uploads = txn->listUploads();
  if (!uploads.isOk()) return uploads.status();
  std::vector<BlobFacts> held;
  std::vector<std::string> evicted_with_file;
  for (std::string after;;) {
    auto page = txn->listBlobs(after, 500);
    if (!page.isOk()) return page.status();
    for (const auto& b : page.value()) {
      if (b.present)
        held.push_back({b.sha256, b.size, b.confirmed_ms});
      else if (blobs_.has(b.sha256))
        evicted_with_file.push_back(b.sha256);
    }
    if (page->size() < 500) break;
    after = page->back().sha256;
  }
  txn->rollback();

  // Uploads idle past the expiry: partial ones are abandoned; complete ones only existed to
  // answer a HEAD after the last PATCH.
  for (const auto& u : uploads.value()) {
    if (u.updated_ms > now - options_.upload_expiry_ms) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (active_.count(u.upload_id)) continue;
    }
    if (Status s = writer_.run([&](store::Txn& w) { return w.deleteUpload(u.upload_id); });
        !s.isOk())
      return s;
    if (Status s = blobs_.removePartial(u.upload_id); !s.isOk()) return s;
    if (u.offset < u.length)
      spdlog::info("[attachments] deleted stale upload {} ({} of {} bytes)", u.upload_id, u.offset,
                   u.length);
  }
  {
    std::lock_guard<std::mutex> filing(filing_mu_);
    // An eviction cut short by a crash; re-read under the lock, as the blob may have been
    // uploaded again since the listing.
    for (const auto& sha : evicted_with_file) {
      auto still = store_.begin(false);
      if (!still.isOk()) return still.status();
      auto row = still->getBlob(sha);
      if (!row.isOk()) return row.status();
      if (!row->has_value() || (*row)->present) continue;
      if (Status s = blobs_.remove(sha); !s.isOk()) return s;
    }
  }
  for (const auto& sha : chooseEvictions(held, options_.eviction, now)) {
    if (Status s = evict(sha); !s.isOk()) return s;
    spdlog::info("[attachments] evicted {} (confirmed upstream, grace passed)", sha);
  }
  return Status::ok();
}

void AttachmentService::maintenanceLoop() {
  const auto interval = std::chrono::milliseconds(maintenanceIntervalMs(options_));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    if (Status s = maintain(); !s.isOk())
      spdlog::warn("[attachments] maintenance: {}", s.message());
    lock.lock();
  }
}

core::Json AttachmentService::statusJson() {
  core::Json out{{"quota_bytes", options_.quota_bytes}};
  auto txn = store_.begin(false);
  if (!txn.isOk()) return out;
  auto stats = txn->blobStats();
  auto reserved = reservedBytes(txn.value());
  if (!stats.isOk() || !reserved.isOk()) return out;
  out["blobs"] = stats->count;
  out["bytes"] = stats->bytes;
  out["unconfirmed_bytes"] = stats->unconfirmed_bytes;
  out["reserved_bytes"] = reserved.value();
  // Blobs waiting to go upstream (the status page's "Attachments" waiting figure); a hub has
  // no upstream, so nothing of its waits.
  if (options_.eviction.has_upstream) {
    auto waiting = unconfirmed();
    if (waiting.isOk()) out["pending"] = waiting->size();
  } else {
    out["pending"] = 0;
  }
  // Full: not even a small photo fits, and nothing can be evicted to make room.
  out["full"] = !hasRoom(stats->bytes, reserved.value(), 1 << 20, options_.quota_bytes);
  return out;
}

}  // namespace yard::attachments
