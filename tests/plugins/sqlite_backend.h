#pragma once

#include <map>
#include <memory>
#include <string>

#include "plugin/plugin_host.h"
#include "plugin/plugin_loader.h"
#include "storage_conformance.h"
#include "temp_dir.h"

namespace yard::test {

// The storage_sqlite plugin as built in this tree (YARD_TEST_PLUGIN_DIR), loaded once.
const plugin::LoadedPlugin& sqlitePlugin();

// The sqlite plugin behind the conformance suite: a store in a temp directory of its own.
// Opening goes through the real loader, PluginHost and store::Store.
class SqliteBackend : public StorageBackend {
 public:
  explicit SqliteBackend(std::map<std::string, std::string> config = {})
      : config_(std::move(config)) {}

  Result<std::unique_ptr<store::Store>> open() override;
  std::string backupTarget() override { return dir_.file("backup.db"); }
  Result<std::unique_ptr<store::Store>> openBackup() override;
  void forgePluginName(const std::string& plugin) override;
  void forgeFormat(int format) override;

  const TempDir& dir() const { return dir_; }
  std::string dbPath() const { return dir_.file("yard.db"); }
  // Runs SQL directly on the (closed) database file: tests that tamper with it.
  void execRaw(const std::string& path, const std::string& sql) const;

 private:
  TempDir dir_;
  std::map<std::string, std::string> config_;
  std::unique_ptr<plugin::PluginHost> host_, backup_host_;
};

}  // namespace yard::test
