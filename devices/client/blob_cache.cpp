#include "client/blob_cache.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace yard::device {
namespace {

Status ioError(const std::string& what) {
  return Status::permanent(what + ": " + std::strerror(errno));
}

bool writeAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

Status fsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ioError("open " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::ok() : ioError("fsync " + dir);
}

}  // namespace

std::string sha256Hex(const std::string& bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes.data(), static_cast<unsigned>(bytes.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

Result<std::string> BlobCache::put(const std::string& bytes) {
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) return ioError("mkdir " + dir_);
  const std::string sha = sha256Hex(bytes);
  struct stat st {};
  if (::stat(path(sha).c_str(), &st) == 0 && st.st_size == static_cast<off_t>(bytes.size()))
    return sha;
  const std::string tmp = path(sha) + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ioError("create " + tmp);
  const bool ok = writeAll(fd, bytes.data(), bytes.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path(sha).c_str()) != 0) {
    Status s = ioError("write " + tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  if (Status s = fsyncDir(dir_); !s.isOk()) return s;
  return sha;
}

Result<std::string> BlobCache::read(const std::string& sha256, int64_t offset,
                                    int64_t length) const {
  int fd = ::open(path(sha256).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ioError("open " + path(sha256));
  std::string out(static_cast<size_t>(length), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, offset + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

Status BlobCache::remove(const std::string& sha256) const {
  if (::unlink(path(sha256).c_str()) != 0 && errno != ENOENT)
    return ioError("unlink " + path(sha256));
  return Status::ok();
}

}  // namespace yard::device
