#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "cli/yardctl/commands.h"

namespace yard::yardctl {
namespace {

namespace fs = std::filesystem;

bool syncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int runBackup(const Invocation& inv, GatewayClient& client, Io io) {
  const std::string file = inv.words[1];
  const std::string parent = fs::path(file).parent_path().string();
  const std::string dir = parent.empty() ? std::string(".") : parent;
  auto localError = [&](const std::string& what) {
    return reportError({kExitFailed, what + ": " + std::strerror(errno)}, io);
  };

  // The temp file sits beside FILE so the rename is atomic; 0600: the copy holds token hashes.
  std::string templ = file + ".partial-XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return localError("cannot create a file in " + dir);
  ::fchmod(fd, 0600);
  ::close(fd);
  const std::string tmp(name.data());
  struct Cleanup {
    std::string path;
    bool keep = false;
    ~Cleanup() {
      if (!keep) ::unlink(path.c_str());
    }
  } cleanup{tmp};

  std::string plugin;
  CallError error;
  std::optional<int64_t> bytes;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return localError("cannot write " + tmp);
    bytes = client.download("/v1/admin/backup", out, plugin, error);
    out.flush();
    if (bytes && !out) return localError("cannot write " + tmp);
  }
  if (!bytes) return reportError(error, io);
  if (!syncPath(tmp, O_RDONLY)) return localError("cannot flush " + tmp);
  if (::rename(tmp.c_str(), file.c_str()) != 0) return localError("cannot rename to " + file);
  cleanup.keep = true;
  if (!syncPath(dir, O_RDONLY | O_DIRECTORY)) return localError("cannot flush " + dir);

  if (inv.json) {
    io.out << core::Json{{"file", file}, {"bytes", *bytes}, {"plugin", plugin}}.dump(2) << "\n";
  } else {
    io.out << "backup written to " << file << " (" << *bytes << " bytes, " << plugin << " store)\n";
  }
  return kExitOk;
}

}  // namespace yard::yardctl
