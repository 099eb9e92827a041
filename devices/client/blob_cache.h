#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace yard::device {

// The files of the phone's attachment cache: <dir>/<sha256>, content-addressed like the
// gateway's blob store. The index (what is uploaded, confirmed, evicted) is in PhoneStore.
class BlobCache {
 public:
  explicit BlobCache(std::string dir) : dir_(std::move(dir)) {}

  // Writes bytes as <sha256> durably: a temporary file, fsync, rename, fsync of the directory.
  // A kill leaves either no file or the whole file. Returns the sha256.
  Result<std::string> put(const std::string& bytes);
  std::string path(const std::string& sha256) const { return dir_ + "/" + sha256; }
  // Reads length bytes from offset (fewer at the end of the file).
  Result<std::string> read(const std::string& sha256, int64_t offset, int64_t length) const;
  // Deletes the file; a file already gone is fine.
  Status remove(const std::string& sha256) const;

 private:
  std::string dir_;
};

std::string sha256Hex(const std::string& bytes);

}  // namespace yard::device
