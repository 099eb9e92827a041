// Acknowledged means durable (DESIGN §2 rule 6): kill -9 at bad moments, restart on the same
// data dir, and everything acknowledged is there with the same stamps; a batch is all or
// nothing.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <thread>

#include "harness/batch_sender.h"
#include "harness/daemon_process.h"
#include "harness/sync_client.h"

using namespace yard::it;

namespace {

using Clock = std::chrono::steady_clock;

void checkBatches(const std::vector<SentBatch>& batches,
                  const std::map<std::string, std::string>& stored) {
  const auto violations = batchViolations(batches, stored);
  for (const auto& v : violations) FAIL_CHECK(v);
  CHECK(violations.empty());
}

// Sends one batch on its own thread; the answer (if any) lands in batch.
void sendOnce(int port, const Enrolment& device, const std::vector<Json>& writes,
              SentBatch& batch) {
  SyncClient client(port, device);
  try {
    readAnswer(client.post(client.request(writes)), batch);
  } catch (const std::exception&) {
    // killed before it answered
  }
}

}  // namespace

TEST_CASE("kill -9 right after an acknowledged batch of 200 loses nothing") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient phone(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));

  Json response = phone.sync(newInspections(200, "DUR"));
  std::map<std::string, std::string> acked;
  for (const auto& r : response.at("results")) {
    REQUIRE(r.at("status") == "accepted");
    acked[r.at("id")] = r.at("record").at("stamp");
  }
  REQUIRE(acked.size() == 200);
  daemon.kill9();

  daemon.restart();
  phone.http().setPort(daemon.port());
  std::map<std::string, std::string> stored;
  for (const auto& r : phone.pullAll(64)) stored[r.at("id")] = r.at("stamp");
  CHECK(stored == acked);

  // New stamps after the crash order after everything acknowledged before it.
  Json later = phone.sync({createWrite("inspection", inspectionBody("AFTER"))});
  const std::string after = onlyResult(later).at("record").at("stamp");
  for (const auto& [id, stamp] : acked) REQUIRE(after > stamp);
}

TEST_CASE("kill -9 while phones send batches: acknowledged batches survive, none is partial") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  const Enrolment phone1 = enrollDevice(admin, "dev-1", "yard-a", "op-1");
  const Enrolment phone2 = enrollDevice(admin, "dev-2", "yard-a", "op-2");
  const Enrolment observer_device = enrollDevice(admin, "observer", "yard-a", "", true);

  std::vector<SentBatch> all;
  // Kill after different amounts of acknowledged work, so the kill lands at different points
  // of the request / group-commit cycle.
  for (int target : {1, 4, 9}) {
    INFO("kill after " << target << " acknowledged batches");
    {
      BatchSender a(daemon.port(), phone1, 25);
      BatchSender b(daemon.port(), phone2, 7);
      const auto deadline = Clock::now() + std::chrono::seconds(60);
      while (a.acked() + b.acked() < target && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      REQUIRE(a.acked() + b.acked() >= target);
      daemon.kill9();
      a.stop();
      b.stop();
      all.insert(all.end(), a.batches().begin(), a.batches().end());
      all.insert(all.end(), b.batches().begin(), b.batches().end());
    }
    daemon.restart();
    SyncClient observer(daemon.port(), observer_device);
    checkBatches(all, storedStamps(observer));
  }
}

TEST_CASE("kill -9 while the WAL is being copied back: acknowledged batches survive") {
  // The sqlite plugin checkpoints on a thread of its own (plugins/storage_sqlite/checkpointer.h)
  // while the writer goes on committing. The database file grows only when a checkpoint copies
  // pages into it, so a change of its size is the moment to kill.
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  const Enrolment phone = enrollDevice(admin, "dev-1", "yard-a", "op-1");
  const Enrolment observer_device = enrollDevice(admin, "observer", "yard-a", "", true);
  const std::string db = daemon.dataDir() + "/yard.db";

  std::vector<SentBatch> all;
  for (int round = 1; round <= 3; ++round) {
    INFO("round " << round);
    {
      BatchSender sender(daemon.port(), phone, 50);
      const auto size_before = std::filesystem::file_size(db);
      const auto deadline = Clock::now() + std::chrono::seconds(90);
      while (std::filesystem::file_size(db) == size_before && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      REQUIRE(std::filesystem::file_size(db) > size_before);  // a checkpoint is under way
      daemon.kill9();
      sender.stop();
      all.insert(all.end(), sender.batches().begin(), sender.batches().end());
    }
    daemon.restart();
    SyncClient observer(daemon.port(), observer_device);
    checkBatches(all, storedStamps(observer));
  }
}

TEST_CASE("kill -9 while one large batch is in flight: all of it or none of it") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  const Enrolment phone = enrollDevice(admin, "dev-1", "yard-a", "op-1");
  const Enrolment observer_device = enrollDevice(admin, "observer", "yard-a", "", true);

  // How long one batch takes from send to answer here (ASan or not), so the kills below land
  // at fractions of it: while the body travels, while it is applied, around the commit.
  std::vector<SentBatch> all(1);
  const auto writes0 = newInspections(1000, "BIG");
  for (const auto& w : writes0) all[0].ids.push_back(w.at("id"));
  const auto t0 = Clock::now();
  sendOnce(daemon.port(), phone, writes0, all[0]);
  const auto full = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
  REQUIRE(all[0].acked);

  for (int percent : {0, 20, 40, 60, 80, 90, 100}) {
    INFO("kill at " << percent << "% of " << full.count() << " us");
    SentBatch batch;
    auto writes = newInspections(1000, "BIG");
    for (const auto& w : writes) batch.ids.push_back(w.at("id"));
    const int port = daemon.port();
    std::thread sender([&] { sendOnce(port, phone, writes, batch); });
    std::this_thread::sleep_for(full * percent / 100);
    daemon.kill9();
    sender.join();
    all.push_back(std::move(batch));
    daemon.restart();
    SyncClient observer(daemon.port(), observer_device);
    checkBatches(all, storedStamps(observer));
  }
}

TEST_CASE("kill -9 right after start and again after restart: the store opens every time") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient phone(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));
  const Json kept = onlyResult(phone.sync({createWrite("inspection", inspectionBody("K1"))}));
  for (int i = 0; i < 3; ++i) {
    daemon.kill9();
    daemon.restart();
  }
  phone.http().setPort(daemon.port());
  auto records = phone.pullAll();
  REQUIRE(records.size() == 1);
  CHECK(records[0] == kept.at("record"));
}
