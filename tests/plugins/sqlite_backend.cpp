#include "sqlite_backend.h"

#include <sqlite3.h>

#include <stdexcept>

namespace yard::test {

const plugin::LoadedPlugin& sqlitePlugin() {
  static const plugin::LoadedPlugin loaded = [] {
    auto p = plugin::loadPlugin(YARD_TEST_PLUGIN_DIR, YARD_KIND_STORAGE, "sqlite");
    if (!p.isOk()) throw std::runtime_error(p.status().message());
    return p.value();
  }();
  return loaded;
}

Result<std::unique_ptr<store::Store>> SqliteBackend::open() {
  host_ = std::make_unique<plugin::PluginHost>("storage.sqlite", config_, dir_.path());
  return store::Store::open(sqlitePlugin(), *host_);
}

Result<std::unique_ptr<store::Store>> SqliteBackend::openBackup() {
  backup_host_ = std::make_unique<plugin::PluginHost>(
      "storage.sqlite", std::map<std::string, std::string>{{"dsn", backupTarget()}}, dir_.path());
  return store::Store::open(sqlitePlugin(), *backup_host_);
}

void SqliteBackend::execRaw(const std::string& path, const std::string& sql) const {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path);
  }
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string why = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error(sql + ": " + why);
}

void SqliteBackend::forgePluginName(const std::string& plugin) {
  execRaw(dbPath(), "UPDATE store_meta SET value = '" + plugin + "' WHERE key = 'plugin'");
}

void SqliteBackend::forgeFormat(int format) {
  const std::string f = std::to_string(format);
  execRaw(dbPath(), "UPDATE store_meta SET value = '" + f +
                        "' WHERE key = 'format'; PRAGMA user_version = " + f);
}

}  // namespace yard::test
