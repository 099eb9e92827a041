#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "client/http_gateway.h"
#include "client/mqtt_channel.h"
#include "client/phone_store.h"
#include "client/sync_engine.h"
#include "client/sync_triggers.h"
#include "simulator/enrolment.h"

namespace yard::device {

// How a simulated phone reaches the gateway.
struct PhoneLink {
  std::string gateway_url;  // sync (unless MQTT) and attachments
  std::string mqtt_host;    // empty: sync over HTTP
  int mqtt_port = 1883;
  std::string ca_file{};  // for an https gateway_url: the CAs to trust (empty: the system's)
};

// What one phone did, for the summary.
struct PhoneCounts {
  int64_t steps = 0, local_writes = 0, photos = 0, kills = 0, offline_spells = 0, failed_syncs = 0;
};

// One phone of the simulation: its own SQLite database, its sync engine and triggers, and a
// script of yard work (inspection workflows, gate events, interchanges, edits of records the
// whole site shares), with offline spells and app kills. An app kill drops every in-memory
// object (store, channel, engine) and reopens the database, at a random point: after a local
// write, or after a sync request went out and before its answer was adopted. Driven by one
// thread.
class SimulatedPhone {
 public:
  SimulatedPhone(Enrolled identity, std::string db_path, PhoneLink link, uint64_t seed);

  // Opens the database and the channel; kPermanent when it cannot.
  Status open();
  // One step of yard work, then a sync if the triggers say so. offline_p: chance to start an
  // offline spell; kill_p: chance of an app kill in this step.
  Status step(const std::vector<std::string>& shared_ids, double offline_p, double kill_p,
              int64_t photo_bytes);
  // Back online and sync until nothing is pending (retries with a pause); false after attempts.
  bool settle(int attempts);
  // A sync now, whatever the triggers say.
  Status syncNow();
  // Makes n local writes without syncing (the reconnect storm's offline backlog).
  Status writeOffline(int n);
  // Compares local state with the gateway's view for this device; "" when equal, else why.
  std::string compareWithGateway();

  PhoneStore& store() { return *store_; }
  const Enrolled& identity() const { return identity_; }
  const PhoneCounts& counts() const { return counts_; }
  SyncTotals syncTotals() const;
  int64_t bytesUp() const;
  int64_t bytesDown() const;
  // Ids of records this phone created (the loss check: each must exist at the gateway).
  const std::set<std::string>& created() const { return created_; }

 private:
  Status workStep(const std::vector<std::string>& shared_ids, int64_t photo_bytes);
  Status newInspection();
  Status advanceInspection(int64_t photo_bytes);
  Status interchangeStep();
  Status editShared(const std::string& id);
  Status gateEvent();
  Status kill();
  Status killMidSync();
  SyncChannel& channel();
  int64_t now() const;

  Enrolled identity_;
  std::string db_path_;
  PhoneLink link_;
  std::mt19937_64 rng_;
  std::unique_ptr<PhoneStore> store_;
  std::unique_ptr<HttpGateway> http_;
  std::unique_ptr<MqttChannel> mqtt_;
  std::unique_ptr<SyncEngine> engine_;
  SyncTriggers triggers_;
  int offline_steps_ = 0;
  std::string open_inspection_;
  std::string open_interchange_;
  std::set<std::string> created_;
  PhoneCounts counts_;
  // What the engines and channels dropped by app kills had counted.
  SyncTotals dropped_totals_;
  int64_t dropped_up_ = 0, dropped_down_ = 0;
};

}  // namespace yard::device
