#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace yard::attachments {

// Appends the bytes of one tus PATCH to a partial upload file. Opening truncates the file to the
// durable offset the store recorded: bytes past it (written before a crash and never
// acknowledged) are dropped, so the file and the recorded offset always agree. Not thread-safe;
// the upload routes allow one PATCH per upload at a time.
class PartialFile {
 public:
  // Opens (create: creates) path, truncated to offset, positioned at its end.
  static Result<PartialFile> open(const std::string& path, int64_t offset, bool create);
  PartialFile(PartialFile&& other) noexcept;
  PartialFile& operator=(PartialFile&&) = delete;
  PartialFile(const PartialFile&) = delete;
  ~PartialFile();

  Status append(const char* data, size_t size);
  // fsync: every byte appended so far survives a crash once this returns ok.
  Status sync();
  int64_t offset() const { return offset_; }

 private:
  PartialFile(int fd, std::string path, int64_t offset)
      : fd_(fd), path_(std::move(path)), offset_(offset) {}
  int fd_ = -1;
  std::string path_;
  int64_t offset_ = 0;
};

}  // namespace yard::attachments
