#include "attachments/partial_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace yard::attachments {
namespace {

Status ioError(const std::string& what, const std::string& path) {
  return Status::permanent(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<PartialFile> PartialFile::open(const std::string& path, int64_t offset, bool create) {
  const int flags = O_WRONLY | O_CLOEXEC | (create ? O_CREAT : 0);
  int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0)
    return errno == ENOENT ? Status::notFound("no partial file " + path)
                           : ioError("cannot open", path);
  if (::ftruncate(fd, offset) != 0 || ::lseek(fd, offset, SEEK_SET) != offset) {
    Status s = ioError("cannot position", path);
    ::close(fd);
    return s;
  }
  return PartialFile(fd, path, offset);
}

PartialFile::PartialFile(PartialFile&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), offset_(other.offset_) {
  other.fd_ = -1;
}

PartialFile::~PartialFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status PartialFile::append(const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ioError("cannot write", path_);
    data += n;
    size -= static_cast<size_t>(n);
    offset_ += n;
  }
  return Status::ok();
}

Status PartialFile::sync() {
  return ::fdatasync(fd_) == 0 ? Status::ok() : ioError("cannot fsync", path_);
}

}  // namespace yard::attachments
