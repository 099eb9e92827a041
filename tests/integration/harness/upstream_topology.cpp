#include "harness/upstream_topology.h"

#include <sys/stat.h>

#include <fstream>
#include <stdexcept>
#include <thread>

namespace yard::it {

UpstreamTopology::UpstreamTopology(std::string site, std::unique_ptr<UpstreamLink> link)
    : site_(std::move(site)), link_(link ? std::move(link) : std::make_unique<UpstreamLink>()) {
  DaemonConfig config;
  config.node_id = "hub-it";
  config.site = site_;
  config.settings["node.role"] = "hub";
  link_->configureHub(config);
  hub_ = std::make_unique<DaemonProcess>(config);
  hub_->start();
  link_->hubStarted(*hub_);
  HttpClient admin = adminClient(*hub_);
  hub_reader_ = std::make_unique<SyncClient>(
      hub_->port(), enrollDevice(admin, "hub-reader", site_, "", /*node=*/true));
}

std::unique_ptr<DaemonProcess> startGateway(DaemonProcess& hub, int upstream_port,
                                            const std::string& node_id, const std::string& site,
                                            std::map<std::string, std::string> settings) {
  HttpClient hub_admin = adminClient(hub);
  Enrolment node = enrollDevice(hub_admin, node_id, site, "", /*node=*/true);

  DaemonConfig config;
  config.node_id = node_id;
  config.site = site;
  config.settings = std::move(settings);
  auto gateway = std::make_unique<DaemonProcess>(config);
  const std::string token_file = gateway->dir() + "/upstream.token";
  {
    std::ofstream out(token_file);
    out << node.token << "\n";
  }
  ::chmod(token_file.c_str(), 0600);
  auto& s = gateway->config().settings;
  if (!s.count("upstream.transport")) {
    s["upstream.transport"] = "https";
    s["upstream.url"] = "http://127.0.0.1:" + std::to_string(upstream_port);
  }
  s["upstream.token_file"] = token_file;
  if (!s.count("upstream.interval_s")) s["upstream.interval_s"] = "3600";
  if (!s.count("upstream.timeout_s")) s["upstream.timeout_s"] = "10";
  gateway->start();
  return gateway;
}

DaemonProcess& UpstreamTopology::addGateway(const std::string& node_id,
                                            std::map<std::string, std::string> settings) {
  auto proxy = std::make_unique<FaultProxy>(link_->targetPort(*hub_));
  link_->configureGateway(settings, proxy->port());
  auto gateway = startGateway(*hub_, proxy->port(), node_id, site_, std::move(settings));
  proxies_[node_id] = std::move(proxy);
  return *(gateways_[node_id] = std::move(gateway));
}

void UpstreamTopology::syncNow(const std::string& node_id) {
  HttpClient admin = adminClient(gateway(node_id));
  auto r = admin.post("/v1/admin/sync-now", Json::object());
  if (r.status != 202) throw std::runtime_error("sync-now: " + r.describe());
}

Json UpstreamTopology::status(const std::string& node_id) {
  HttpClient admin = adminClient(gateway(node_id));
  auto r = admin.get("/v1/status");
  if (r.status != 200) throw std::runtime_error("status: " + r.describe());
  return r.json;
}

void UpstreamTopology::waitDrained(const std::string& node_id, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Json last;
  while (std::chrono::steady_clock::now() < deadline) {
    last = status(node_id);
    const Json& u = last.at("upstream");
    if (u.value("pending", -1) == 0 && u.value("link", "") == "up" && !u.value("syncing", true))
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error(node_id + " did not drain: " + last.dump());
}

void UpstreamTopology::syncAndWait(const std::string& node_id, std::chrono::milliseconds timeout) {
  const int64_t asked = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  syncNow(node_id);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Json last;
  while (std::chrono::steady_clock::now() < deadline) {
    last = status(node_id);
    const Json& u = last.at("upstream");
    const auto attempt =
        u.value("last_attempt", Json()).is_number() ? u["last_attempt"].get<int64_t>() : 0;
    const auto success =
        u.value("last_success", Json()).is_number() ? u["last_success"].get<int64_t>() : 0;
    if (attempt >= asked && success >= attempt && !u.value("syncing", true) &&
        u.value("pending", -1) == 0)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error(node_id + " did not finish a round: " + last.dump());
}

std::map<std::string, Json> recordsById(SyncClient& client) {
  std::map<std::string, Json> out;
  for (auto& r : client.pullAll()) out[r.at("id").get<std::string>()] = r;
  return out;
}

}  // namespace yard::it
