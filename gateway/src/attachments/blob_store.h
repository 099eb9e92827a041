#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace yard::attachments {

// The blobs of one node on disk, content-addressed by SHA-256 (DESIGN §6):
//   <dir>/<sha256>            a blob held whole and verified; one file however many records
//                             reference it
//   <dir>/partial/<upload id> the bytes of a tus upload in progress
// A blob appears under its name only through adopt(): the bytes are fsync'd, their hash is
// checked, the file is renamed into place and the directory fsync'd, so after a crash a blob
// file is either absent or whole. Callers pass only validated names (isSha256Hex, upload ids
// the node generated): this class builds paths from them. Thread-safe (no shared state but the
// file system).
class BlobStore {
 public:
  // Creates dir and dir/partial when missing.
  static Result<BlobStore> open(const std::string& dir);

  bool has(const std::string& sha256) const;
  // Size of a blob held whole; kNotFound when absent.
  Result<int64_t> size(const std::string& sha256) const;
  std::string blobPath(const std::string& sha256) const;
  std::string partialPath(const std::string& upload_id) const;

  // Files the finished partial file as blob sha256. digest is the file's SHA-256 when the caller
  // hashed it while writing, or "" to have it read and hashed here. On a mismatch the partial
  // file is deleted and kInvalid is returned. When the blob is already held, the partial file is
  // deleted and the existing copy kept (dedup).
  Status adopt(const std::string& upload_id, const std::string& sha256, std::string digest);
  // Moves a file the caller wrote and fsync'd elsewhere in this file system into place, as adopt.
  Status adoptFile(const std::string& path, const std::string& sha256, std::string digest);

  // Deletes a blob / a partial upload (absent: ok) and fsyncs the directory.
  Status remove(const std::string& sha256);
  Status removePartial(const std::string& upload_id);

  // fsyncs dir/partial, so a newly created partial file survives a crash.
  Status syncPartialDir() const;

  const std::string& dir() const { return dir_; }

 private:
  explicit BlobStore(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

// The lowercase hex SHA-256 of a file's content.
Result<std::string> sha256OfFile(const std::string& path);

// fsyncs a directory, so entries created, renamed or removed in it survive a crash.
Status syncDirectory(const std::string& dir);

}  // namespace yard::attachments
