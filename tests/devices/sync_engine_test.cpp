#include <catch2/catch.hpp>

#include "client/sync_engine.h"
#include "fake_gateway.h"
#include "temp_dir.h"

using namespace yard;
using namespace yard::device;
using yard::device::test::FakeGateway;
using yard::test::TempDir;

namespace {

std::unique_ptr<PhoneStore> openStore(const TempDir& dir, const std::string& name = "phone.db") {
  auto store = PhoneStore::open(dir.file(name));
  REQUIRE(store.isOk());
  REQUIRE((*store)->setIdentity({"dev-1", "yard-a", "op-1"}).isOk());
  return std::move(store.value());
}

core::Json gateEvent(const std::string& id) {
  return {{"id", id},
          {"type", "gate_event"},
          {"site", "yard-a"},
          {"body", {{"direction", "in"}, {"equipment_id", id}, {"lane", "1"}}}};
}

// 10,000 bytes of a photo; each step gives other bytes.
std::string photoBytes(int step) {
  std::string bytes(10000, 'x');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * step);
  return bytes;
}

// Captures bytes as a photo and creates an inspection listing it.
core::Attachment inspectionWithPhoto(PhoneStore& store, const std::string& bytes) {
  auto photo = store.capture(bytes, "image/jpeg", "front.jpg");
  REQUIRE(photo.isOk());
  REQUIRE(
      store.create("inspection", {{"status", "photos"}, {"equipment_id", "T1"}}, {*photo}).isOk());
  return *photo;
}

}  // namespace

TEST_CASE("a sync sends every pending write and pages changes until more is false") {
  TempDir dir;
  auto store = openStore(dir);
  FakeGateway gw;
  for (int i = 0; i < 25; ++i) gw.writeFromElsewhere(gateEvent("other-" + std::to_string(i)));
  for (int i = 0; i < 7; ++i)
    REQUIRE(store->create("gate_event", {{"direction", "in"}, {"lane", "1"}}).isOk());
  SyncOptions options;
  options.limit = 10;
  options.max_writes = 3;
  SyncEngine engine(*store, gw, &gw, options);
  REQUIRE(engine.sync(0).isOk());
  CHECK(store->pendingRecords() == 0);
  CHECK(store->list().size() == 32);
  CHECK(engine.totals().sent == 7);
  CHECK(engine.totals().accepted == 7);
  CHECK(engine.totals().pulled >= 25);  // plus own writes of earlier requests
  CHECK(gw.requests.size() >= 3);       // 25 changes at 10 a page
}

TEST_CASE("a lost answer costs nothing: the same writes go again and are answered") {
  TempDir dir;
  auto store = openStore(dir);
  FakeGateway gw;
  auto r = store->create("gate_event", {{"direction", "in"}, {"lane", "1"}});
  REQUIRE(r.isOk());
  SyncEngine engine(*store, gw, &gw);
  gw.lose_next_answers = 1;
  CHECK(engine.sync(0).code() == Code::kRetry);
  CHECK(store->pendingRecords() == 1);
  gw.refuse_next = 2;
  CHECK(engine.sync(0).code() == Code::kRetry);
  CHECK(engine.sync(0).code() == Code::kRetry);
  REQUIRE(engine.sync(0).isOk());
  CHECK(store->pendingRecords() == 0);
  // Both requests carried the same write: the gateway stamped it once.
  REQUIRE(gw.requests.size() == 2);
  CHECK(gw.requests[0]["writes"][0]["write_id"] == gw.requests[1]["writes"][0]["write_id"]);
  CHECK(store->get(r->id)->stamp == gw.records[r->id]["stamp"]);
}

TEST_CASE("attachments upload after their record, resume after a cut, and are confirmed") {
  TempDir dir;
  auto store = openStore(dir);
  FakeGateway gw;
  const std::string bytes = photoBytes(7);
  const core::Attachment photo = inspectionWithPhoto(*store, bytes);
  SyncOptions options;
  options.chunk_bytes = 3000;
  options.grace_ms = 100;
  {
    SyncEngine engine(*store, gw, &gw, options);
    gw.refuse_appends_after = 2;  // two chunks arrive, then the Wi-Fi drops
    CHECK(engine.sync(1000).code() == Code::kRetry);
  }
  CHECK(store->syncingCount() == 1);
  CHECK_FALSE(store->blobs()[0].upload.empty());
  // The app restarts: a new engine resumes the same upload from the gateway's offset.
  gw.refuse_appends_after = -1;
  SyncEngine engine(*store, gw, &gw, options);
  REQUIRE(engine.sync(2000).isOk());
  CHECK(gw.blobs.count(photo.sha256) == 1);
  CHECK(gw.appends == 4);                       // 2 before the cut + 2 after: nothing twice
  CHECK(engine.totals().upload_bytes == 4000);  // what was left
  CHECK(store->syncingCount() == 0);
  REQUIRE(engine.sync(2050).isOk());
  CHECK_FALSE(store->blobs()[0].evicted);  // inside the grace window
  REQUIRE(engine.sync(2200).isOk());
  CHECK(store->blobs()[0].evicted);
}

TEST_CASE("an edit made while a sync is in flight stays pending for the next one") {
  TempDir dir;
  auto store = openStore(dir);
  FakeGateway gw;
  auto r = store->create("inspection", {{"status", "open"}, {"equipment_id", "T1"}});
  REQUIRE(r.isOk());
  OutgoingSync out = store->nextRequest(500, 100);
  REQUIRE(store
              ->update(r->id,
                       [](core::Record& rec) {
                         rec.body["status"] = "filled";
                         return Status::ok();
                       })
              .isOk());
  auto answer = gw.exchange(out.request);
  REQUIRE(answer.isOk());
  REQUIRE(store->adoptAnswer(out, answer.value()).isOk());
  auto row = store->row(r->id);
  REQUIRE(row->pending());
  CHECK(row->view()->body["status"] == "filled");
  CHECK(row->base == gw.records[r->id]["stamp"]);
  SyncEngine engine(*store, gw, &gw);
  REQUIRE(engine.sync(0).isOk());
  CHECK(gw.records[r->id]["body"]["status"] == "filled");
  CHECK(store->pendingRecords() == 0);
}

TEST_CASE("an upload moved on by a PATCH from before an app kill is asked again, same sync") {
  TempDir dir;
  auto store = openStore(dir);
  FakeGateway gw;
  const std::string bytes = photoBytes(13);
  const core::Attachment photo = inspectionWithPhoto(*store, bytes);
  SyncOptions options;
  options.chunk_bytes = 3000;
  {
    SyncEngine engine(*store, gw, &gw, options);
    gw.refuse_appends_after = 1;
    CHECK(engine.sync(1000).code() == Code::kRetry);
  }
  // The app is killed and restarted; its last PATCH lands between the new HEAD and PATCH.
  gw.refuse_appends_after = -1;
  gw.ghost_patch_before_next_append = true;
  SyncEngine engine(*store, gw, &gw, options);
  REQUIRE(engine.sync(2000).isOk());
  REQUIRE(gw.blobs.count(photo.sha256) == 1);
  CHECK(gw.blobs[photo.sha256] == bytes);
  CHECK(store->syncingCount() == 0);
  CHECK(engine.totals().upload_bytes == 4000);  // 3000 + 1000 after the moved-on 6000
}
