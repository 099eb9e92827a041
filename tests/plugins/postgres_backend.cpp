#include "postgres_backend.h"

#include <stdexcept>

namespace yard::test {

const plugin::LoadedPlugin& postgresPlugin() {
  static const plugin::LoadedPlugin loaded = [] {
    auto p = plugin::loadPlugin(YARD_TEST_PLUGIN_DIR, YARD_KIND_STORAGE, "postgres");
    if (!p.isOk()) throw std::runtime_error(p.status().message());
    return p.value();
  }();
  return loaded;
}

PostgresCluster& sharedCluster() {
  static PostgresCluster cluster;
  return cluster;
}

PostgresBackend::PostgresBackend(std::map<std::string, std::string> config)
    : db_(sharedCluster().createDatabase("conformance")), config_(std::move(config)) {
  config_.emplace("dsn", sharedCluster().conninfo(db_));
}

Result<std::unique_ptr<store::Store>> PostgresBackend::open() {
  host_ = std::make_unique<plugin::PluginHost>("storage.postgres", config_, dir_.path());
  return store::Store::open(postgresPlugin(), *host_);
}

std::string PostgresBackend::backupTarget() {
  if (backup_db_.empty()) backup_db_ = sharedCluster().createDatabase("backup");
  return sharedCluster().conninfo(backup_db_);
}

Result<std::unique_ptr<store::Store>> PostgresBackend::openBackup() {
  backup_host_ = std::make_unique<plugin::PluginHost>(
      "storage.postgres", std::map<std::string, std::string>{{"dsn", backupTarget()}}, dir_.path());
  return store::Store::open(postgresPlugin(), *backup_host_);
}

void PostgresBackend::forgePluginName(const std::string& plugin) {
  sharedCluster().query(db_, "UPDATE store_meta SET value = '" + plugin + "' WHERE key = 'plugin'");
}

void PostgresBackend::forgeFormat(int format) {
  sharedCluster().query(
      db_, "UPDATE store_meta SET value = '" + std::to_string(format) + "' WHERE key = 'format'");
}

}  // namespace yard::test
