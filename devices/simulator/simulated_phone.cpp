#include "simulator/simulated_phone.h"

#include <chrono>
#include <map>
#include <thread>

#include "client/blob_cache.h"
#include "core/wall_clock.h"

namespace yard::device {
namespace {

constexpr std::chrono::milliseconds kRequestTimeout{60000};

std::string randomBytes(std::mt19937_64& rng, int64_t size) {
  std::string out(static_cast<size_t>(size), '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

Status setStatus(core::Record& r, const std::string& status) {
  r.body["status"] = status;
  return Status::ok();
}

}  // namespace

SimulatedPhone::SimulatedPhone(Enrolled identity, std::string db_path, PhoneLink link,
                               uint64_t seed)
    : identity_(std::move(identity)),
      db_path_(std::move(db_path)),
      link_(std::move(link)),
      rng_(seed),
      // Short waits: a simulated yard runs minutes, not days.
      triggers_(TriggerOptions{2000, 20, 50, 2000}) {}

int64_t SimulatedPhone::now() const { return core::unixNowMs(); }

Status SimulatedPhone::open() {
  auto store = PhoneStore::open(db_path_);
  if (!store.isOk()) return store.status();
  store_ = std::move(store.value());
  if (!store_->identity().isOk())
    if (Status s = store_->setIdentity({identity_.device, identity_.site, identity_.operator_id});
        !s.isOk())
      return s;
  auto http =
      HttpGateway::connect(link_.gateway_url, identity_.token, kRequestTimeout, link_.ca_file);
  if (!http.isOk()) return http.status();
  http_ = std::move(http.value());
  if (!link_.mqtt_host.empty()) {
    auto mqtt =
        MqttChannel::connect(MqttOptions{link_.mqtt_host, link_.mqtt_port, identity_.site,
                                         identity_.device, identity_.token, kRequestTimeout});
    if (!mqtt.isOk()) return mqtt.status();
    mqtt_ = std::move(mqtt.value());
  }
  SyncOptions options;
  options.chunk_bytes = 256 * 1024;
  engine_ = std::make_unique<SyncEngine>(*store_, channel(), http_.get(), options);
  return Status::ok();
}

SyncChannel& SimulatedPhone::channel() {
  return mqtt_ ? static_cast<SyncChannel&>(*mqtt_) : static_cast<SyncChannel&>(*http_);
}

SyncTotals SimulatedPhone::syncTotals() const {
  SyncTotals t = dropped_totals_;
  if (engine_) t += engine_->totals();
  return t;
}

int64_t SimulatedPhone::bytesUp() const {
  return dropped_up_ + (http_ ? http_->bytesUp() : 0) + (mqtt_ ? mqtt_->bytesUp() : 0);
}

int64_t SimulatedPhone::bytesDown() const {
  return dropped_down_ + (http_ ? http_->bytesDown() : 0) + (mqtt_ ? mqtt_->bytesDown() : 0);
}

Status SimulatedPhone::kill() {
  ++counts_.kills;
  dropped_totals_ = syncTotals();
  dropped_up_ = bytesUp();
  dropped_down_ = bytesDown();
  engine_.reset();
  mqtt_.reset();
  http_.reset();
  store_.reset();
  // Everything the app knew in memory is gone; what it wrote is in its database.
  open_inspection_.clear();
  open_interchange_.clear();
  if (Status s = open(); !s.isOk()) return s;
  // The app finds its work again where it left it: in its database.
  for (const auto& r : store_->assignedWork()) {
    if (r.type == "inspection") open_inspection_ = r.id;
    if (r.type == "interchange") open_interchange_ = r.id;
  }
  return Status::ok();
}

// The request reaches the gateway (which applies it durably) and the app dies before adopting
// the answer: the next sync sends the same writes again under the same write_ids.
Status SimulatedPhone::killMidSync() {
  if (triggers_.online()) {
    OutgoingSync out = store_->nextRequest(500, 1000);
    (void)channel().exchange(out.request);
  }
  return kill();
}

Status SimulatedPhone::gateEvent() {
  const char* direction = (rng_() & 1) ? "in" : "out";
  auto r = store_->create("gate_event",
                          core::Json{{"direction", direction},
                                     {"equipment_id", "GATE" + std::to_string(rng_() % 100000)},
                                     {"lane", "L" + std::to_string(rng_() % 4 + 1)}},
                          {}, {identity_.operator_id});
  if (!r.isOk()) return r.status();
  created_.insert(r->id);
  return Status::ok();
}

Status SimulatedPhone::newInspection() {
  auto r = store_->create(
      "inspection",
      core::Json{{"status", "open"}, {"equipment_id", "TRLU" + std::to_string(rng_() % 1000000)}},
      {}, {identity_.operator_id});
  if (!r.isOk()) return r.status();
  created_.insert(r->id);
  open_inspection_ = r->id;
  return Status::ok();
}

Status SimulatedPhone::advanceInspection(int64_t photo_bytes) {
  auto current = open_inspection_.empty() ? std::nullopt : store_->get(open_inspection_);
  if (!current || current->body.value("status", "") == "submitted") return newInspection();
  const std::string status = current->body.value("status", "");
  if (status == "open")
    return store_
        ->update(open_inspection_,
                 [&](core::Record& r) {
                   r.body["checklist"] = {{"tyres", "ok"}, {"lights", (rng_() & 1) ? "ok" : "bad"}};
                   r.body["odometer_km"] = static_cast<int64_t>(rng_() % 900000);
                   return setStatus(r, "filled");
                 })
        .status();
  if (status == "filled") {
    // The photo goes to the cache first (durable on its own); the record edit that lists it is
    // the step, one transaction.
    auto photo = store_->capture(randomBytes(rng_, photo_bytes), "image/jpeg", "front.jpg");
    if (!photo.isOk()) return photo.status();
    ++counts_.photos;
    return store_
        ->update(open_inspection_,
                 [&](core::Record& r) {
                   r.attachments.push_back(photo.value());
                   return setStatus(r, "photos");
                 })
        .status();
  }
  if (status == "photos")
    return store_
        ->update(open_inspection_,
                 [&](core::Record& r) {
                   r.body["signature"] = identity_.operator_id;
                   r.body["signed_by"] = identity_.operator_id;
                   return setStatus(r, "signed");
                 })
        .status();
  return store_->update(open_inspection_, [](core::Record& r) { return setStatus(r, "submitted"); })
      .status();
}

Status SimulatedPhone::interchangeStep() {
  if (open_interchange_.empty() || !store_->get(open_interchange_)) {
    auto r = store_->create("interchange",
                            core::Json{{"status", "draft"},
                                       {"equipment_id", "CHZ" + std::to_string(rng_() % 100000)},
                                       {"from_carrier", "ACME"},
                                       {"to_carrier", "ROADCO"}},
                            {}, {identity_.operator_id});
    if (!r.isOk()) return r.status();
    created_.insert(r->id);
    open_interchange_ = r->id;
    return Status::ok();
  }
  Status s = store_
                 ->update(open_interchange_,
                          [&](core::Record& r) {
                            r.body["signature"] = identity_.operator_id;
                            return setStatus(r, "signed");
                          })
                 .status();
  open_interchange_.clear();
  return s;
}

Status SimulatedPhone::editShared(const std::string& id) {
  auto r = store_->update(id, [&](core::Record& rec) {
    rec.body["notes"] = identity_.device + " was here " + std::to_string(rng_() % 1000);
    return Status::ok();
  });
  // The phone has not pulled the shared record yet: it edits something else.
  if (r.status().code() == Code::kNotFound) return gateEvent();
  return r.status();
}

Status SimulatedPhone::workStep(const std::vector<std::string>& shared_ids, int64_t photo_bytes) {
  const uint64_t pick = rng_() % 100;
  if (pick < 55) return advanceInspection(photo_bytes);
  if (pick < 70) return gateEvent();
  if (pick < 85) return interchangeStep();
  if (shared_ids.empty()) return gateEvent();
  return editShared(shared_ids[rng_() % shared_ids.size()]);
}

Status SimulatedPhone::step(const std::vector<std::string>& shared_ids, double offline_p,
                            double kill_p, int64_t photo_bytes) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  if (offline_steps_ == 0 && unit(rng_) < offline_p) {
    offline_steps_ = 1 + static_cast<int>(rng_() % 4);
    ++counts_.offline_spells;
    triggers_.networkChanged(now(), false);
  }
  ++counts_.steps;
  if (Status s = workStep(shared_ids, photo_bytes); !s.isOk()) return s;
  ++counts_.local_writes;
  triggers_.localWrite(now());
  if (unit(rng_) < kill_p)
    if (Status s = (rng_() & 1) ? kill() : killMidSync(); !s.isOk()) return s;
  if (offline_steps_ > 0 && --offline_steps_ == 0) triggers_.networkChanged(now(), true);
  if (mqtt_ && mqtt_->takeNotified()) triggers_.gatewayNotified(now());
  // A think-time pause lets the debounce window close, so the triggers decide as on a phone.
  std::this_thread::sleep_for(std::chrono::milliseconds(rng_() % 30));
  if (!triggers_.isDue(now())) return Status::ok();
  triggers_.syncStarted();
  Status s = engine_->sync(now());
  triggers_.syncFinished(now(), s.isOk(), unit(rng_));
  if (!s.isOk()) ++counts_.failed_syncs;
  return s.code() == Code::kPermanent ? s : Status::ok();
}

Status SimulatedPhone::syncNow() {
  triggers_.manual(now());
  triggers_.syncStarted();
  Status s = engine_->sync(now());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  triggers_.syncFinished(now(), s.isOk(), unit(rng_));
  if (!s.isOk()) ++counts_.failed_syncs;
  return s;
}

bool SimulatedPhone::settle(int attempts) {
  if (!triggers_.online()) triggers_.networkChanged(now(), true);
  offline_steps_ = 0;
  for (int i = 0; i < attempts; ++i) {
    Status s = syncNow();
    if (s.isOk() && store_->syncingCount() == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * (i + 1)));
  }
  return false;
}

Status SimulatedPhone::writeOffline(int n) {
  triggers_.networkChanged(now(), false);
  for (int i = 0; i < n; ++i) {
    // Each a record of its own: n writes pending, none folded into another.
    Status s = (i % 2 == 0) ? gateEvent() : newInspection();
    if (!s.isOk()) return s;
    ++counts_.local_writes;
  }
  triggers_.networkChanged(now(), true);
  return Status::ok();
}

std::string SimulatedPhone::compareWithGateway() {
  if (store_->pendingRecords() != 0)
    return std::to_string(store_->pendingRecords()) + " writes still pending";
  std::map<std::string, std::string> gateway;  // id -> stamp, not deleted
  core::Json cursor = nullptr;
  for (int page = 0; page < 10000; ++page) {
    core::Json request{{"device", identity_.device},
                       {"cursor", cursor},
                       {"limit", 1000},
                       {"writes", core::Json::array()},
                       {"inbox_ack", core::Json::array()}};
    auto answer = http_->exchange(request);
    if (!answer.isOk()) return "gateway pull failed: " + answer.status().message();
    for (const auto& r : answer->value("changes", core::Json::array())) {
      if (r.value("deleted", false))
        gateway.erase(r.value("id", ""));
      else
        gateway[r.value("id", "")] = r.value("stamp", "");
    }
    cursor = answer->value("cursor", core::Json(nullptr));
    if (!answer->value("more", false)) break;
  }
  std::map<std::string, std::string> local;
  for (const auto& r : store_->list()) local[r.id] = store_->row(r.id)->canonical->stamp;
  if (local == gateway) return "";
  size_t differ = 0;
  std::string example;
  for (const auto& [id, stamp] : gateway)
    if (!local.count(id) || local[id] != stamp) {
      ++differ;
      example = id;
    }
  for (const auto& [id, stamp] : local)
    if (!gateway.count(id)) {
      ++differ;
      example = id;
    }
  return std::to_string(differ) + " records differ from the gateway (e.g. " + example + ")";
}

}  // namespace yard::device
