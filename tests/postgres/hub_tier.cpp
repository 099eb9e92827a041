#include "hub_tier.h"

namespace yard::test {

HubTier::HubTier(PostgresCluster& cluster, int n, const std::string& site,
                 std::map<std::string, std::string> settings)
    : database_(cluster.createDatabase("hubs")) {
  for (int i = 0; i < n; ++i) {
    it::DaemonConfig config;
    config.node_id = "hub";
    config.site = site;
    config.settings = settings;
    config.settings["node.role"] = "hub";
    config.settings["storage.plugin"] = "postgres";
    config.settings["storage.dsn"] = cluster.conninfo(database_);
    hubs_.push_back(std::make_unique<it::DaemonProcess>(config));
    hubs_.back()->start();
  }
}

}  // namespace yard::test
