#include "auth/admin_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "auth/token.h"

namespace yard::auth {

Result<std::string> readTokenFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Status::notFound("cannot read token file " + path + ": " + std::strerror(errno));
  if ((st.st_mode & 077) != 0)
    return Status::invalid("token file " + path +
                           " is readable by other users; chmod 600 it and restart");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  const auto first = token.find_first_not_of(" \t\r\n");
  const auto last = token.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) return Status::invalid("token file " + path + " is empty");
  return token.substr(first, last - first + 1);
}

Result<std::string> loadOrCreateAdminToken(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    const std::string token = generateToken("yadm_") + "\n";
    const bool ok = ::write(fd, token.data(), token.size()) == static_cast<ssize_t>(token.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
      ::unlink(path.c_str());
      return Status::permanent("cannot write admin token file " + path);
    }
  } else if (errno != EEXIST) {
    return Status::permanent("cannot create admin token file " + path + ": " +
                             std::strerror(errno));
  }
  auto token = readTokenFile(path);
  if (!token.isOk()) return token.status();
  return hashToken(token.value());
}

}  // namespace yard::auth
