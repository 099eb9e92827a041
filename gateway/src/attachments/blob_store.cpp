#include "attachments/blob_store.h"

#include <Poco/Crypto/DigestEngine.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace yard::attachments {
namespace {

namespace fs = std::filesystem;

Status ioError(const std::string& what, const std::string& path) {
  const int e = errno;
  // A full disk is permanent for this request; the caller answers 507.
  return Status::permanent(what + " " + path + ": " + std::strerror(e));
}

}  // namespace

Result<BlobStore> BlobStore::open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "partial", ec);
  if (ec) return Status::permanent("cannot create " + dir + "/partial: " + ec.message());
  return BlobStore(dir);
}

std::string BlobStore::blobPath(const std::string& sha256) const { return dir_ + "/" + sha256; }

std::string BlobStore::partialPath(const std::string& upload_id) const {
  return dir_ + "/partial/" + upload_id;
}

bool BlobStore::has(const std::string& sha256) const {
  struct stat st {};
  return ::stat(blobPath(sha256).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<int64_t> BlobStore::size(const std::string& sha256) const {
  struct stat st {};
  if (::stat(blobPath(sha256).c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return Status::notFound("no blob " + sha256);
  return static_cast<int64_t>(st.st_size);
}

Status BlobStore::adopt(const std::string& upload_id, const std::string& sha256,
                        std::string digest) {
  return adoptFile(partialPath(upload_id), sha256, std::move(digest));
}

Status BlobStore::adoptFile(const std::string& path, const std::string& sha256,
                            std::string digest) {
  if (digest.empty()) {
    auto computed = sha256OfFile(path);
    if (!computed.isOk()) return computed.status();
    digest = std::move(computed.value());
  }
  if (digest != sha256) {
    ::unlink(path.c_str());
    return Status::invalid("the bytes received hash to " + digest + ", not " + sha256 +
                           "; the upload was discarded");
  }
  if (has(sha256)) {  // dedup: the copy already filed is the same bytes
    ::unlink(path.c_str());
    return Status::ok();
  }
  if (::rename(path.c_str(), blobPath(sha256).c_str()) != 0)
    return ioError("cannot file blob", blobPath(sha256));
  if (Status s = syncDirectory(dir_); !s.isOk()) return s;
  return syncDirectory(fs::path(path).parent_path().string());
}

Status BlobStore::remove(const std::string& sha256) {
  if (::unlink(blobPath(sha256).c_str()) != 0 && errno != ENOENT)
    return ioError("cannot delete", blobPath(sha256));
  return syncDirectory(dir_);
}

Status BlobStore::removePartial(const std::string& upload_id) {
  if (::unlink(partialPath(upload_id).c_str()) != 0 && errno != ENOENT)
    return ioError("cannot delete", partialPath(upload_id));
  return syncPartialDir();
}

Status BlobStore::syncPartialDir() const { return syncDirectory(dir_ + "/partial"); }

Result<std::string> sha256OfFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ioError("cannot read", path);
  // OpenSSL's SHA-256 (through POCO Crypto): several times faster than Poco::SHA2Engine.
  Poco::Crypto::DigestEngine engine("SHA256");
  char buffer[65536];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) engine.update(buffer, n);
  const bool failed = n < 0;
  ::close(fd);
  if (failed) return ioError("cannot read", path);
  return Poco::Crypto::DigestEngine::digestToHex(engine.digest());
}

Status syncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ioError("cannot open directory", dir);
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::ok() : ioError("cannot fsync directory", dir);
}

}  // namespace yard::attachments
