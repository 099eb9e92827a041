#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "harness/daemon_process.h"
#include "harness/fault_proxy.h"
#include "harness/sync_client.h"

namespace yard::it {

// How the gateways of a topology reach its hub. This one: the https transport to the hub's own
// HTTP port. tests/mqtt/harness/mqtt_upstream.h has the mqtt transport through a Mosquitto
// broker the hub answers on.
class UpstreamLink {
 public:
  virtual ~UpstreamLink() = default;
  virtual void configureHub(DaemonConfig& /*config*/) {}
  virtual void hubStarted(DaemonProcess& /*hub*/) {}
  // The port each gateway's FaultProxy forwards to.
  virtual int targetPort(DaemonProcess& hub) { return hub.port(); }
  // The [upstream] settings of a gateway whose proxy listens on proxy_port.
  virtual void configureGateway(std::map<std::string, std::string>& settings, int proxy_port) {
    settings["upstream.transport"] = "https";
    settings["upstream.url"] = "http://127.0.0.1:" + std::to_string(proxy_port);
  }
};

// Starts gateway node_id of site, enrolled at hub as a node device, its upstream pointed at
// 127.0.0.1:upstream_port (the hub itself, or a proxy in front of it) over https unless
// settings name another upstream.transport and url. settings are added to its config.
std::unique_ptr<DaemonProcess> startGateway(DaemonProcess& hub, int upstream_port,
                                            const std::string& node_id, const std::string& site,
                                            std::map<std::string, std::string> settings = {});

// A hub and the gateways that reconcile with it, each gateway reaching the hub through its own
// FaultProxy (so a test can cut one site's WAN and not another's). Everything on loopback with
// ports chosen at run time.
class UpstreamTopology {
 public:
  explicit UpstreamTopology(std::string site = "yard-a",
                            std::unique_ptr<UpstreamLink> link = nullptr);

  DaemonProcess& hub() { return *hub_; }
  UpstreamLink& link() { return *link_; }
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
  std::unique_ptr<UpstreamLink> link_;
  std::unique_ptr<DaemonProcess> hub_;
  std::unique_ptr<SyncClient> hub_reader_;
  std::map<std::string, std::unique_ptr<FaultProxy>> proxies_;
  std::map<std::string, std::unique_ptr<DaemonProcess>> gateways_;
};

// Every record visible to client, by id (the latest version of each).
std::map<std::string, Json> recordsById(SyncClient& client);

}  // namespace yard::it
