#include "app/gateway.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "attachments/blob_store.h"
#include "auth/admin_token.h"
#include "core/wall_clock.h"
#include "http/attachment_routes.h"
#include "plugin/plugin_loader.h"
#include "status/routes.h"
#include "upstream/outbox_seed.h"

namespace yard::app {
namespace {

namespace fs = std::filesystem;

// Writes text to path atomically (temp file, fsync, rename) so a reader never sees half of it.
Status writeFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::permanent("cannot write " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::permanent("cannot write " + path);
  return Status::ok();
}

}  // namespace

Gateway::Gateway(config::Config config) : config_(std::move(config)) {}

Gateway::~Gateway() { stop(); }

Status Gateway::start() {
  started_ms_ = core::unixNowMs();
  telemetry_.attachLog();
  std::error_code ec;
  fs::create_directories(config_.node.data_dir, ec);
  if (ec)
    return Status::permanent("cannot create data_dir " + config_.node.data_dir + ": " +
                             ec.message());
  config_.node.data_dir = fs::absolute(config_.node.data_dir).string();

  auto types = core::RecordTypeRegistry::loadDirectory(config_.node.record_types);
  if (!types.isOk()) return types.status();
  types_ = std::move(types.value());
  spdlog::info("[app] node {} site {} role {}; record types from {}", config_.node.id,
               config_.node.site, config_.node.role, config_.node.record_types);

  if (Status s = openStore(); !s.isOk()) return s;
  // Hub processes may share one database (docs/postgres.md): each stamps as itself.
  clock_ = std::make_unique<sync::NodeClock>(
      config_.isHub() ? sync::processIssuer(config_.node.id) : config_.node.id, nullptr);
  if (config_.isHub()) spdlog::info("[app] this hub process stamps as {}", clock_->issuer());
  if (Status s = checkNodeIdentity(); !s.isOk()) return s;

  writer_ = std::make_unique<sync::CommitQueue>(*store_, [this](store::Txn& txn) {
    if (Status s = clock_->persist(txn); !s.isOk()) return s;
    return activity_.flush(txn);
  });
  devices_ = std::make_unique<auth::DeviceRegistry>(*store_, *writer_);
  sync::NodeIdentity identity{config_.node.id, config_.node.site,
                              config_.isHub() ? "head office" : "the gateway",
                              config_.upstream.transport != "none"};
  sync_ =
      std::make_unique<sync::SyncService>(identity, *store_, *writer_, types_, *clock_, activity_);
  sync_->addResultListener([this](const std::vector<sync::WriteResult>& results) {
    for (const auto& r : results) telemetry_.countWrite(r.status);
  });
  if (Status s = startMqtt(); !s.isOk()) return s;
  if (Status s = startUpstream(); !s.isOk()) return s;
  if (Status s = startAttachments(); !s.isOk()) return s;
  return startHttp();
}

Status Gateway::openStore() {
  auto loaded = plugin::loadPlugin(config_.plugins.dir, YARD_KIND_STORAGE, config_.storage.plugin);
  if (!loaded.isOk()) return loaded.status();
  for (const auto& [key, value] : config_.storage.options) {
    const auto& allowed = loaded->config_keys;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      return Status::invalid("[storage] unknown key " + key + " for plugin " +
                             config_.storage.plugin);
  }
  const std::string instance = "storage." + config_.storage.plugin;
  storage_host_ = std::make_unique<plugin::PluginHost>(
      instance, config_.storage.options, config_.node.data_dir, plugin::PluginHost::Clock{},
      telemetry_.pluginCounter(instance));
  auto store = store::Store::open(loaded.value(), *storage_host_);
  if (!store.isOk()) return store.status();
  store_ = std::move(store.value());
  return Status::ok();
}

Status Gateway::checkNodeIdentity() {
  // Stamps carry the node id; a store stamped by another node must not be continued under a
  // new name, or two nodes' stamps would interleave as if from one.
  auto txn = store_->begin(true);
  if (!txn.isOk()) return txn.status();
  auto stored = txn->getMeta("node_id");
  if (!stored.isOk()) return stored.status();
  if (stored->has_value() && **stored != config_.node.id)
    return Status::invalid("the store in " + config_.node.data_dir + " belongs to node '" +
                           **stored + "', but [node] id is '" + config_.node.id + "'");
  if (Status s = clock_->load(txn.value()); !s.isOk()) return s;
  if (!stored->has_value()) {
    if (Status s = txn->putMeta("node_id", config_.node.id); !s.isOk()) return s;
  }
  return txn->commit();
}

Status Gateway::startUpstream() {
  if (config_.upstream.transport == "none") return Status::ok();
  auto loaded =
      plugin::loadPlugin(config_.plugins.dir, YARD_KIND_TRANSPORT, config_.upstream.transport);
  if (!loaded.isOk()) return loaded.status();
  std::map<std::string, std::string> options;
  const auto& u = config_.upstream;
  for (const auto& [key, value] :
       std::map<std::string, std::string>{{"url", u.url},
                                          {"token_file", u.token_file},
                                          {"ca_file", u.ca_file},
                                          {"client_cert", u.client_cert},
                                          {"client_key", u.client_key},
                                          {"timeout_s", std::to_string(u.timeout_s)},
                                          {"device", u.device},
                                          {"site", config_.node.site}}) {
    const auto& allowed = loaded->config_keys;
    if (value.empty() || std::find(allowed.begin(), allowed.end(), key) == allowed.end()) continue;
    options[key] = value;
  }
  transport_host_ = std::make_unique<plugin::PluginHost>(
      "transport." + u.transport, options, config_.node.data_dir, plugin::PluginHost::Clock{},
      telemetry_.pluginCounter("transport." + u.transport));
  auto transport = upstream::Transport::open(loaded.value(), *transport_host_);
  if (!transport.isOk()) return transport.status();
  transport_ = std::move(transport.value());
  if (Status s = upstream::seedOutbox(*store_, *writer_, clock_->wallMs()); !s.isOk()) return s;

  auto round = std::make_unique<upstream::UpstreamRound>(sync_->node(), u.device, *store_, *writer_,
                                                         *clock_, *transport_);
  upstream::UpstreamRound* round_ptr = round.get();
  upstream::UpstreamLoop::Options options_loop;
  options_loop.interval_ms = int64_t{u.interval_s} * 1000;
  upstream_ = std::make_unique<upstream::UpstreamLoop>(std::move(round), *transport_, options_loop);
  sync_->addChangeListener(
      [loop = upstream_.get()](const std::vector<core::Record>&) { loop->localWrite(); });
  if (mqtt_)
    round_ptr->onAdopted([channel = mqtt_.get()](const std::vector<core::Record>& adopted) {
      channel->changed(adopted);
    });
  upstream_->start();
  spdlog::info("[upstream] {} to {} as device {}", u.transport, u.url, u.device);
  return Status::ok();
}

Status Gateway::startMqtt() {
  const auto& m = config_.mqtt;
  if (!m.enabled) return Status::ok();
  mqtt::ChannelOptions options;
  options.client.host = m.host;
  options.client.port = m.port;
  options.client.username = m.username;
  if (!m.password_file.empty()) {
    std::ifstream in(m.password_file);
    if (!in || !std::getline(in, options.client.password))
      return Status::invalid("[mqtt] password_file " + m.password_file + " cannot be read");
  }
  options.site = config_.node.site;
  options.node_id = config_.node.id;
  options.serve_nodes = config_.isHub();
  options.max_request_bytes = static_cast<size_t>(config_.http.max_request_bytes);
  mqtt_ = std::make_unique<mqtt::DeviceChannel>(options, *sync_, *devices_, *store_);
  sync_->addChangeListener([channel = mqtt_.get()](const std::vector<core::Record>& changed) {
    channel->changed(changed);
  });
  // The broker may be down at start-up: the channel connects (and reconnects) on its own.
  mqtt_->start();
  return Status::ok();
}

Status Gateway::startAttachments() {
  if (!store_->hasAttachments()) {
    spdlog::warn("[attachments] storage plugin {} predates ABI 1.1: no attachment API",
                 store_->pluginName());
    return Status::ok();
  }
  auto blobs = attachments::BlobStore::open(config_.node.data_dir + "/blobs");
  if (!blobs.isOk()) return blobs.status();
  const auto& a = config_.attachments;
  attachments::AttachmentOptions options;
  options.quota_bytes = a.quota_mb << 20;
  options.max_upload_bytes = a.max_upload_mb << 20;
  options.upload_expiry_ms = static_cast<int64_t>(a.upload_expiry_hours * 3600 * 1000);
  options.eviction.grace_ms = static_cast<int64_t>(a.grace_hours * 3600 * 1000);
  // Only a node whose upstream carries attachments gets blobs confirmed; a hub keeps all.
  const bool uplink = upstream_ && transport_->carriesAttachments();
  options.eviction.has_upstream = uplink;
  attachments_ = std::make_unique<attachments::AttachmentService>(
      *store_, *writer_, std::move(blobs.value()), options, core::unixNowMs);
  sync_->setAttachmentCheck([service = attachments_.get()](const auto& records) {
    return service->noteReferences(records);
  });
  if (uplink) {
    uplink_ = std::make_unique<upstream::BlobUplink>(*attachments_, *store_, *transport_);
    attachments_->setUplinkWake([loop = upstream_.get()] { loop->localWrite(); });
    upstream_->setBlobStep(
        [step = uplink_.get()](const std::function<bool()>& stop) { return step->run(stop); });
  }
  return attachments_->start();
}

Status Gateway::startHttp() {
  auto admin_hash = auth::loadOrCreateAdminToken(config_.admin.token_file);
  if (!admin_hash.isOk()) return admin_hash.status();

  api_ = std::make_unique<http::ApiServices>(http::ApiServices{
      *sync_, *devices_, activity_, [this] { return statusJson(); },
      [this] {
        if (!upstream_)
          return Status::conflict("no upstream is configured ([upstream] transport = none)");
        upstream_->syncNow();
        return Status::ok();
      }});
  Poco::SharedPtr<http::Router> router(new http::Router(
      *devices_, admin_hash.value(), static_cast<size_t>(config_.http.max_request_bytes)));
  http::addSyncRoutes(*router, *api_);
  http::addAdminRoutes(*router, *api_);
  status::addStatusPageRoutes(*router);
  status::addMetricsRoute(*router, [this] { return snapshotJson(); });
  status::addStoreRoutes(*router, *store_, config_.node.data_dir);
  if (attachments_)
    http::addAttachmentRoutes(*router, *attachments_, config_.attachments.max_upload_mb << 20);
  router_ = router;

  http::HttpOptions options;
  options.host = config_.http.host;
  options.port = config_.http.port;
  options.tls_cert = config_.http.tls_cert;
  options.tls_key = config_.http.tls_key;
  options.max_threads = config_.http.max_threads;
  options.keepalive_s = config_.http.keepalive_s;
  http_ = std::make_unique<http::HttpServer>(options, router);
  if (Status s = http_->start(); !s.isOk()) return s;
  telemetry_.startSampling([this] { return activityTotals(); });
  // Tests and tools that asked for port 0 learn the real one here.
  return writeFileAtomically(config_.node.data_dir + "/http.port",
                             std::to_string(http_->boundPort()) + "\n");
}

void Gateway::stop() {
  if (http_) {
    http_->stop();
    http_.reset();
  }
  telemetry_.stopSampling();
  if (upstream_) {
    upstream_->stop();
    upstream_.reset();
  }
  if (mqtt_) {
    mqtt_->stop();
    mqtt_.reset();
  }
  if (attachments_) attachments_->stop();
  if (writer_) writer_->stop();
  transport_.reset();
  sync_.reset();
  devices_.reset();
  writer_.reset();
  uplink_.reset();
  attachments_.reset();
  store_.reset();
  telemetry_.detachLog();
}

int Gateway::httpPort() const { return http_ ? http_->boundPort() : 0; }

core::Json Gateway::statusJson() {
  core::Json status = snapshotJson();
  status["history"] = telemetry_.historyJson(core::unixNowMs());
  return status;
}

status::ActivityTotals Gateway::activityTotals() {
  status::ActivityTotals totals;
  totals.requests = router_ ? router_->requestsServed() : 0;
  if (auto txn = store_->begin(false); txn.isOk())
    if (auto stats = txn->outboxStats(); stats.isOk()) totals.backlog = stats->count;
  return totals;
}

core::Json Gateway::snapshotJson() {
  core::Json status{{"node", config_.node.id},
                    {"site", config_.node.site},
                    {"role", config_.node.role},
                    {"version", YARD_VERSION},
                    {"uptime_s", (core::unixNowMs() - started_ms_) / 1000},
                    {"hlc_drift_ms", clock_ ? clock_->driftMs() : 0}};
  if (store_) {
    core::Json storage{{"plugin", store_->pluginName()}, {"healthy", false}};
    if (auto txn = store_->begin(false); txn.isOk()) {
      if (auto n = txn->countRecords(); n.isOk()) {
        status["records"] = n.value();
        storage["healthy"] = true;
      }
      if (auto devices = txn->listDevices(); devices.isOk()) {
        int64_t active = 0;
        for (const auto& d : devices.value()) active += d.revoked ? 0 : 1;
        status["devices"] = active;
      }
    }
    status["storage"] = storage;
  }
  core::Json upstream = upstream_ ? upstream_->stateJson() : core::Json{{"link", "none"}};
  upstream["transport"] = config_.upstream.transport;
  if (store_) {
    if (auto txn = store_->begin(false); txn.isOk()) {
      if (auto stats = txn->outboxStats(); stats.isOk()) {
        upstream["pending"] = stats->count;
        upstream["oldest_pending_age_ms"] =
            stats->count ? core::unixNowMs() - stats->oldest_at_ms : 0;
      }
    }
  }
  status["upstream"] = upstream;
  if (attachments_) status["attachments"] = attachments_->statusJson();
  status["mqtt"] = mqtt_ ? mqtt_->stateJson() : core::Json{{"enabled", false}};
  if (writer_)
    status["commits"] =
        core::Json{{"groups", writer_->groupsCommitted()}, {"batches", writer_->jobsCommitted()}};
  if (router_) {
    core::Json by_class = core::Json::object();
    for (int c = 1; c <= 5; ++c) by_class[std::to_string(c) + "xx"] = router_->responses(c);
    status["http"] = core::Json{{"requests", by_class}, {"in_flight", router_->inFlight()}};
  }
  status["sync_writes"] = telemetry_.writesJson();
  status["plugins"] = telemetry_.pluginsJson();
  status["process"] =
      core::Json{{"rss_bytes", status::residentMemoryBytes()}, {"start_time_ms", started_ms_}};
  return status;
}

}  // namespace yard::app
