#pragma once

#include <map>
#include <memory>
#include <string>

#include "plugin/plugin_host.h"
#include "plugin/plugin_loader.h"
#include "postgres_cluster.h"
#include "storage_conformance.h"
#include "temp_dir.h"

namespace yard::test {

// The storage_postgres plugin as built in this tree (YARD_TEST_PLUGIN_DIR), loaded once.
const plugin::LoadedPlugin& postgresPlugin();
// One throwaway cluster for the whole test process, started on first use.
PostgresCluster& sharedCluster();

// The postgres plugin behind the conformance suite: a fresh database of its own in the shared
// cluster. Opening goes through the real loader, PluginHost and store::Store.
class PostgresBackend : public StorageBackend {
 public:
  explicit PostgresBackend(std::map<std::string, std::string> config = {});

  Result<std::unique_ptr<store::Store>> open() override;
  std::string backupTarget() override;
  Result<std::unique_ptr<store::Store>> openBackup() override;
  void forgePluginName(const std::string& plugin) override;
  void forgeFormat(int format) override;

  const std::string& database() const { return db_; }
  std::map<std::string, std::string>& config() { return config_; }

 private:
  TempDir dir_;
  std::string db_;
  std::string backup_db_;
  std::map<std::string, std::string> config_;
  std::unique_ptr<plugin::PluginHost> host_, backup_host_;
};

}  // namespace yard::test
