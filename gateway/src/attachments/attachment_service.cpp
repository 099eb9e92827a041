#include "attachments/attachment_service.h"

#include <Poco/Crypto/DigestEngine.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <vector>

#include "attachments/partial_file.h"

namespace yard::attachments {
namespace {

// Bytes written to the file per system call (and held per running PATCH).
constexpr size_t kChunk = 128 * 1024;
// A long PATCH records its progress every 8 MiB (an fsync and a commit), so a kill -9 mid-body
// loses at most that much; a cut connection loses nothing (the offset is recorded on the way
// out). A photo (2-8 MB) goes in one PATCH with no checkpoint: only a gateway crash in the
// seconds it takes makes the phone send it again.
constexpr int64_t kCheckpointBytes = 8 << 20;

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

AttachmentService::AttachmentService(store::Store& store, sync::CommitQueue& writer,
                                     BlobStore blobs, AttachmentOptions options, Clock clock)
    : store_(store),
      writer_(writer),
      blobs_(std::move(blobs)),
      options_(options),
      clock_(std::move(clock)) {}

AttachmentService::~AttachmentService() { stop(); }

Status AttachmentService::start() {
  // A crash after a blob was renamed into place but before its row was committed leaves an
  // upload row short of its length, no partial file, and the blob on disk: finish the record.
  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  auto uploads = txn->listUploads();
  if (!uploads.isOk()) return uploads.status();
  txn->rollback();
  for (auto& u : uploads.value()) {
    if (u.offset == u.length || exists(blobs_.partialPath(u.upload_id)) || !blobs_.has(u.sha256))
      continue;
    u.offset = u.length;
    if (UploadOutcome o = finish(u, u.sha256); o.error != UploadError::kNone) return o.status;
    spdlog::info("[attachments] recovered upload {} filed before a crash", u.upload_id);
  }
  maintenance_ = std::thread([this] { maintenanceLoop(); });
  return Status::ok();
}

void AttachmentService::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
}

Result<int64_t> AttachmentService::reservedBytes(store::Txn& txn) {
  auto uploads = txn.listUploads();
  if (!uploads.isOk()) return uploads.status();
  int64_t reserved = 0;
  for (const auto& u : uploads.value())
    if (u.offset < u.length) reserved += u.length;
  return reserved;
}

UploadOutcome AttachmentService::create(int64_t length, const UploadMetadata& meta,
                                        const std::string& device) {
  if (length > options_.max_upload_bytes)
    return UploadOutcome::fail(
        UploadError::kTooLarge,
        Status::invalid("Upload-Length " + std::to_string(length) + " is over the " +
                        std::to_string(options_.max_upload_bytes) + "-byte limit"));
  const int64_t now = clock_();
  store::UploadRow row{newUploadId(), meta.sha256, length, 0, meta.filetype, device, now, now};
  bool full = false;
  Status s = writer_.run([&](store::Txn& txn) -> Status {
    full = false;
    row.offset = 0;
    auto blob = txn.getBlob(meta.sha256);
    if (!blob.isOk()) return blob.status();
    if (blob->has_value() && (*blob)->present && (*blob)->size == length &&
        blobs_.has(meta.sha256)) {
      row.offset = length;  // held already: nothing to send
      return txn.putUpload(row);
    }
    auto stats = txn.blobStats();
    if (!stats.isOk()) return stats.status();
    auto reserved = reservedBytes(txn);
    if (!reserved.isOk()) return reserved.status();
    if (!hasRoom(stats->bytes, reserved.value(), length, options_.quota_bytes)) {
      full = true;
      return Status::ok();
    }
    return txn.putUpload(row);
  });
  if (!s.isOk()) return UploadOutcome::fail(UploadError::kInternal, s);
  if (full)
    return UploadOutcome::fail(
        UploadError::kQuotaFull,
        Status::permanent("the attachment store is full of data not yet confirmed upstream "
                          "(quota_mb); retry once the uplink has caught up"));
  if (row.offset == 0 && length == 0) {  // a 0-byte file is complete as soon as it exists
    auto file = PartialFile::open(blobs_.partialPath(row.upload_id), 0, true);
    if (!file.isOk()) return UploadOutcome::fail(UploadError::kInternal, file.status());
    return finish(row, "");
  }
  return {UploadError::kNone, Status::ok(), row};
}

UploadOutcome AttachmentService::find(const std::string& upload_id, const std::string& device,
                                      bool admin) {
  auto txn = store_.begin(false);
  if (!txn.isOk()) return UploadOutcome::fail(UploadError::kInternal, txn.status());
  auto row = txn->getUpload(upload_id);
  if (!row.isOk()) return UploadOutcome::fail(UploadError::kInternal, row.status());
  // Another device's upload is reported as absent, not forbidden: ids are not to be probed.
  if (!row->has_value() || (!admin && (*row)->device != device))
    return UploadOutcome::fail(UploadError::kNotFound,
                               Status::notFound("no such upload (expired, or never created)"));
  return {UploadError::kNone, Status::ok(), **row};
}

Status AttachmentService::recordOffset(const store::UploadRow& row, int64_t offset) {
  store::UploadRow updated = row;
  updated.offset = offset;
  updated.updated_ms = clock_();
  return writer_.run([&](store::Txn& txn) { return txn.putUpload(updated); });
}

UploadOutcome AttachmentService::append(const std::string& upload_id, const std::string& device,
                                        bool admin, int64_t offset, int64_t content_length,
                                        const BodyReader& body) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!active_.insert(upload_id).second)
      return UploadOutcome::fail(UploadError::kBusy,
                                 Status::conflict("another PATCH of this upload is running"));
  }
  struct Release {
    AttachmentService* self;
    const std::string& id;
    ~Release() {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->active_.erase(id);
    }
  } release{this, upload_id};

  UploadOutcome found = find(upload_id, device, admin);
  if (found.error != UploadError::kNone) return found;
  store::UploadRow row = found.upload;
  if (offset != row.offset)
    return UploadOutcome::fail(
        UploadError::kOffsetMismatch,
        Status::conflict("Upload-Offset is " + std::to_string(offset) + " but the upload is at " +
                         std::to_string(row.offset) + "; HEAD it first"));
  const int64_t remaining = row.length - row.offset;
  if (content_length > remaining)
    return UploadOutcome::fail(UploadError::kTooLarge,
                               Status::invalid("the body goes past Upload-Length (" +
                                               std::to_string(remaining) + " bytes remain)"));
  if (remaining == 0) return found;

  auto file = PartialFile::open(blobs_.partialPath(upload_id), row.offset, row.offset == 0);
  if (!file.isOk()) {
    if (file.status().code() != Code::kNotFound)
      return UploadOutcome::fail(UploadError::kInternal, file.status());
    // The bytes are gone (disk replaced, files deleted by hand): start again.
    (void)writer_.run([&](store::Txn& txn) { return txn.deleteUpload(upload_id); });
    return UploadOutcome::fail(UploadError::kNotFound,
                               Status::notFound("the upload's bytes are gone; create it again"));
  }
  // Makes the bytes so far durable, then records the offset (never the other way round, so the
  // recorded offset never runs ahead of the disk). A new file's name must be durable too before
  // an offset is: done here, not at open, so a PATCH that completes the upload (the common
  // case: it files the blob instead) pays for neither.
  bool name_durable = row.offset > 0;
  auto checkpoint = [&]() -> Status {
    if (!name_durable) {
      if (Status s = blobs_.syncPartialDir(); !s.isOk()) return s;
      name_durable = true;
    }
    if (Status s = file->sync(); !s.isOk()) return s;
    return recordOffset(row, file->offset());
  };
  // Hashing while writing saves reading the file back, when the whole file goes in one PATCH
  // (the common case); a resumed upload is hashed from disk at the end.
  // OpenSSL's SHA-256 (through POCO Crypto): several times faster than Poco::SHA2Engine.
  Poco::Crypto::DigestEngine engine("SHA256");
  const bool hashing = row.offset == 0;
  std::vector<char> buffer(kChunk);
  const int64_t end = row.offset + content_length;
  int64_t recorded = row.offset;
  bool cut = false;
  while (!cut && file->offset() < end) {
    // Fill the buffer (the socket hands over what has arrived, often a few KiB), then write it.
    const auto want = static_cast<size_t>(std::min<int64_t>(kChunk, end - file->offset()));
    size_t got = 0;
    try {
      while (got < want) {
        const size_t n = body(buffer.data() + got, want - got);
        if (n == 0) break;
        got += n;
      }
    } catch (const std::exception&) {
      // the connection dropped or timed out; keep what arrived
    }
    cut = got < want;
    if (got > 0) {
      if (Status s = file->append(buffer.data(), got); !s.isOk()) {
        spdlog::error("[attachments] upload {}: {}", upload_id, s.message());
        cut = true;
        break;
      }
      if (hashing) engine.update(buffer.data(), static_cast<unsigned>(got));
    }
    if (!cut && file->offset() < row.length && file->offset() - recorded >= kCheckpointBytes) {
      if (Status s = checkpoint(); !s.isOk()) return UploadOutcome::fail(UploadError::kInternal, s);
      recorded = file->offset();
    }
  }
  if (file->offset() == row.length) {
    // Complete: finish() files the blob (rename, then fsync of the blob directory) and records
    // the upload complete in the same commit as the blob; a crash before that commit leaves the
    // recorded offset where it was, and the client sends the rest again.
    if (Status s = file->sync(); !s.isOk()) return UploadOutcome::fail(UploadError::kInternal, s);
    row.offset = row.length;
    return finish(row, hashing ? Poco::Crypto::DigestEngine::digestToHex(engine.digest()) : "");
  }
  if (Status s = checkpoint(); !s.isOk()) return UploadOutcome::fail(UploadError::kInternal, s);
  row.offset = file->offset();
  if (cut)
    return UploadOutcome::fail(
        UploadError::kBadRequest,
        Status::invalid("the body ended after " + std::to_string(row.offset - offset) + " of " +
                        std::to_string(content_length) + " bytes; resume at offset " +
                        std::to_string(row.offset)));
  return {UploadError::kNone, Status::ok(), row};
}

UploadOutcome AttachmentService::finish(store::UploadRow row, const std::string& digest) {
  std::lock_guard<std::mutex> filing(filing_mu_);
  Status filed = blobs_.has(row.sha256) && !exists(blobs_.partialPath(row.upload_id))
                     ? Status::ok()  // recovery: filed before a crash
                     : blobs_.adopt(row.upload_id, row.sha256, digest);
  if (filed.code() == Code::kInvalid) {
    (void)writer_.run([&](store::Txn& txn) { return txn.deleteUpload(row.upload_id); });
    return UploadOutcome::fail(UploadError::kHashMismatch, filed);
  }
  if (!filed.isOk()) return UploadOutcome::fail(UploadError::kInternal, filed);
  const int64_t now = clock_();
  row.offset = row.length;
  row.updated_ms = now;
  Status s = writer_.run([&](store::Txn& txn) -> Status {
    auto existing = txn.getBlob(row.sha256);
    if (!existing.isOk()) return existing.status();
    // A blob evicted and uploaded again is still confirmed upstream.
    const int64_t confirmed = existing->has_value() ? (*existing)->confirmed_ms : 0;
    if (Status put = txn.putBlob({row.sha256, row.length, row.mime, now, confirmed, true});
        !put.isOk())
      return put;
    return txn.putUpload(row);
  });
  if (!s.isOk()) return UploadOutcome::fail(UploadError::kInternal, s);
  if (uplink_wake_) uplink_wake_();
  return {UploadError::kNone, Status::ok(), row};
}

Result<std::optional<store::BlobRow>> AttachmentService::held(const std::string& sha256) {
  auto txn = store_.begin(false);
  if (!txn.isOk()) return txn.status();
  auto row = txn->getBlob(sha256);
  if (!row.isOk()) return row.status();
  if (!row->has_value() || !(*row)->present || !blobs_.has(sha256))
    return std::optional<store::BlobRow>();
  return row.value();
}

Result<std::vector<std::string>> AttachmentService::noteReferences(
    const std::vector<core::Record>& records) {
  std::vector<std::string> missing;
  Status s = writer_.run([&](store::Txn& txn) -> Status {
    missing.clear();
    for (const auto& record : records) {
      for (const auto& a : record.attachments) {
        if (Status ref = txn.addBlobRef(a.sha256, record.id); !ref.isOk()) return ref;
        if (std::find(missing.begin(), missing.end(), a.sha256) != missing.end()) continue;
        auto row = txn.getBlob(a.sha256);
        if (!row.isOk()) return row.status();
        const bool have = row->has_value() && ((*row)->present || (*row)->confirmed_ms > 0);
        if (!have) missing.push_back(a.sha256);
      }
    }
    return Status::ok();
  });
  if (!s.isOk()) return s;
  return missing;
}

}  // namespace yard::attachments
