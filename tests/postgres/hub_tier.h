#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/daemon_process.h"
#include "postgres_cluster.h"

namespace yard::test {

// Several hub processes (the real yard-gateway, role = hub) sharing one PostgreSQL database
// through the postgres storage plugin, as head office runs them behind a load balancer. They
// share the node id "hub" (the store records one node id) and nothing else: each has its own
// data dir, port and admin token. Used by the scale-out integration tests and benchmark.
class HubTier {
 public:
  // Creates a fresh database in cluster and starts n hubs on it, one after the other.
  // settings are added to every hub's config.
  HubTier(PostgresCluster& cluster, int n, const std::string& site,
          std::map<std::string, std::string> settings = {});

  it::DaemonProcess& hub(size_t i) { return *hubs_.at(i); }
  size_t size() const { return hubs_.size(); }
  const std::string& database() const { return database_; }

 private:
  std::string database_;
  std::vector<std::unique_ptr<it::DaemonProcess>> hubs_;
};

}  // namespace yard::test
