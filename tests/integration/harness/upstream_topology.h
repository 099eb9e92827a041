#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "harness/daemon_process.h"
#include "harness/fault_proxy.h"
#include "harness/sync_client.h"

namespace yard::it {

// A hub and the gateways that reconcile with it, each gateway reaching the hub through its own
// FaultProxy (so a test can cut one site's WAN and not another's). Everything on loopback with
// ports chosen at run time.
class UpstreamTopology {
 public:
  explicit UpstreamTopology(std::string site = "yard-a");

  DaemonProcess& hub() { return *hub_; }
  // A reader enrolled at the hub as a node client: sees every record of the site there.
  SyncClient& hubReader() { return *hub_reader_; }

  // Starts gateway node_id enrolled at the hub as a node device; its upstream goes through a
  // new proxy. settings are added to its config.
  DaemonProcess& addGateway(const std::string& node_id,
                            std::map<std::string, std::string> settings = {});
  DaemonProcess& gateway(const std::string& node_id) { return *gateways_.at(node_id); }
  FaultProxy& proxy(const std::string& node_id) { return *proxies_.at(node_id); }

  // POST /v1/admin/sync-now on the gateway.
  void syncNow(const std::string& node_id);
  // Asks for a round and waits until a round that started after the request has finished
  // successfully and left the outbox empty: everything written before the call is upstream,
  // and everything upstream had at that moment has been pulled.
  void syncAndWait(const std::string& node_id,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Waits until the gateway's outbox is empty after a successful round, with the link up.
  // Throws std::runtime_error with the status on timeout.
  void waitDrained(const std::string& node_id,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60));
  Json status(const std::string& node_id);

 private:
  std::string site_;
  std::unique_ptr<DaemonProcess> hub_;
  std::unique_ptr<SyncClient> hub_reader_;
  std::map<std::string, std::unique_ptr<FaultProxy>> proxies_;
  std::map<std::string, std::unique_ptr<DaemonProcess>> gateways_;
};

// Every record visible to client, by id (the latest version of each).
std::map<std::string, Json> recordsById(SyncClient& client);

}  // namespace yard::it
