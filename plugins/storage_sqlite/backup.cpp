#include "backup.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "yard/plugin.hpp"

namespace yard::sqlite {

namespace {

namespace fs = std::filesystem;

std::string errnoText() { return std::strerror(errno); }

// fsync of a file or directory by path; false with errno set on failure.
bool syncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

// Copies every page of src's main database into the (empty) file at tmp.
yard_rc copyPages(Connection& src, const std::string& tmp, yard_error* err) {
  sqlite3* dst = nullptr;
  int code =
      sqlite3_open_v2(tmp.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  auto failDst = [&](int c) {
    std::string why = dst ? sqlite3_errmsg(dst) : sqlite3_errstr(c);
    sqlite3_close_v2(dst);
    return sdk::fail(err, classify(c), "backup: " + tmp + ": " + why);
  };
  if (code != SQLITE_OK) return failDst(code);
  // No journal and no syncs on the copy: it is a temp file until renamed, and it is fsync'd
  // once as a whole below. A small cache: pages stream through.
  code = sqlite3_exec(dst,
                      "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                      " PRAGMA cache_size = -512;",
                      nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return failDst(code);
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src.db(), "main");
  if (b == nullptr) return failDst(sqlite3_errcode(dst));
  const int step = sqlite3_backup_step(b, -1);  // -1: all pages, one read transaction on src
  const int finish = sqlite3_backup_finish(b);
  if (step != SQLITE_DONE) {
    sqlite3_close_v2(dst);
    return src.fail(step, "backup: reading " + src.path(), err);
  }
  if (finish != SQLITE_OK) return failDst(finish);
  code = sqlite3_close(dst);
  if (code != SQLITE_OK) return failDst(code);
  return YARD_OK;
}

}  // namespace

yard_rc backupTo(Connection& src, const std::string& path, yard_error* err) {
  std::error_code ec;
  if (fs::exists(path, ec) && fs::equivalent(path, src.path(), ec))
    return sdk::fail(err, YARD_INVALID, "backup: " + path + " is the live database itself");
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";

  std::string templ = path + ".partial-XXXXXX";
  std::vector<char> name(templ.begin(), templ.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0)
    return sdk::fail(err, YARD_PERMANENT, "backup: cannot create " + templ + ": " + errnoText());
  ::close(fd);
  const std::string tmp(name.data());

  yard_rc rc = copyPages(src, tmp, err);
  if (rc == YARD_OK && !syncPath(tmp, O_RDONLY))
    rc = sdk::fail(err, YARD_PERMANENT, "backup: fsync " + tmp + ": " + errnoText());
  if (rc == YARD_OK && ::rename(tmp.c_str(), path.c_str()) != 0)
    rc = sdk::fail(err, YARD_PERMANENT, "backup: rename to " + path + ": " + errnoText());
  if (rc != YARD_OK) {
    ::unlink(tmp.c_str());
    return rc;
  }
  // The rename is only durable once the directory entry is.
  if (!syncPath(dir.string(), O_RDONLY | O_DIRECTORY))
    return sdk::fail(err, YARD_PERMANENT, "backup: fsync " + dir.string() + ": " + errnoText());
  return YARD_OK;
}

}  // namespace yard::sqlite
