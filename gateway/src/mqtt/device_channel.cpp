#include "mqtt/device_channel.h"

#include <spdlog/spdlog.h>

#include "mqtt/topics.h"

namespace yard::mqtt {
namespace {

ClientOptions withTopics(ClientOptions client, const ChannelOptions& options) {
  const std::string& site = options.site;
  client.client_id = gatewayClientId(options.node_id);
  client.subscriptions = {requestFilter(site)};
  if (options.serve_nodes) client.subscriptions.push_back(nodeRequestFilter(site));
  client.state_topic = stateTopic(site);
  return client;
}

}  // namespace

DeviceChannel::DeviceChannel(ChannelOptions options, sync::SyncService& sync,
                             auth::DeviceRegistry& devices, store::Store& store)
    : options_(std::move(options)),
      responder_(options_.site, options_.max_request_bytes, options_.serve_nodes, sync, devices),
      client_(withTopics(options_.client, options_),
              [this](Inbound in) { enqueue(std::move(in)); }),
      notifier_(options_.site, store, options_.notify_debounce, [this](const std::string& device) {
        if (client_.publish(
                Outbound{notifyTopic(options_.site, device), R"({"changes":true})", std::nullopt}))
          ++notifies_;
      }) {}

DeviceChannel::~DeviceChannel() { stop(); }

void DeviceChannel::start() {
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { work(); });
  client_.start();
}

void DeviceChannel::stop() {
  notifier_.stop();
  // Requests still queued were acknowledged to the broker but never answered: the phones time
  // out and ask again (a sync is idempotent), so dropping them loses nothing.
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
  client_.stop();
}

void DeviceChannel::enqueue(Inbound in) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    queue_.push_back(std::move(in));
  }
  queued_.notify_one();
}

void DeviceChannel::work() {
  for (;;) {
    Inbound in;
    std::optional<sync::UnansweredWrites::Registration> arrival;
    {
      std::unique_lock lock(mu_);
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      in = std::move(queue_.front());
      queue_.pop_front();
      // Under the queue's lock: in the order the requests came off the broker.
      arrival = responder_.arrival(in);
    }
    try {
      auto out = responder_.answer(in, std::move(arrival));
      if (!out) continue;
      ++requests_;
      if (!client_.publish(*out))
        spdlog::warn("[mqtt] answer to {} not sent: broker connection lost", in.topic);
    } catch (const std::exception& e) {
      // A worker must not die on one request; the phone gets no answer and retries.
      spdlog::error("[mqtt] request on {} failed: {}", in.topic, e.what());
    }
  }
}

core::Json DeviceChannel::stateJson() const {
  size_t queued = 0;
  {
    std::lock_guard lock(mu_);
    queued = queue_.size();
  }
  return core::Json{{"enabled", true},
                    {"connected", client_.connected()},
                    {"broker", options_.client.host + ":" + std::to_string(options_.client.port)},
                    {"requests", requests_.load()},
                    {"notifies", notifies_.load()},
                    {"connects", client_.connects()},
                    {"queued", queued}};
}

}  // namespace yard::mqtt
