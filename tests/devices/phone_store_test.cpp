#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>

#include "client/phone_store.h"
#include "fake_gateway.h"
#include "temp_dir.h"

using namespace yard;
using namespace yard::device;
using yard::test::TempDir;

namespace {

std::unique_ptr<PhoneStore> openStore(const TempDir& dir) {
  auto store = PhoneStore::open(dir.file("phone.db"));
  REQUIRE(store.isOk());
  if (!(*store)->identity().isOk())
    REQUIRE((*store)->setIdentity({"dev-1", "yard-a", "op-1"}).isOk());
  return std::move(store.value());
}

core::Json inspection(const std::string& status) {
  return {{"status", status}, {"equipment_id", "TRLU1"}};
}

}  // namespace

TEST_CASE("local writes are pending, read back at once, and survive a reopen") {
  TempDir dir;
  std::string id;
  {
    auto store = openStore(dir);
    auto r = store->create("inspection", inspection("open"), {}, {"op-1"});
    REQUIRE(r.isOk());
    id = r->id;
    CHECK(r->site == "yard-a");
    CHECK_FALSE(r->write_id.empty());
    auto edited = store->update(id, [](core::Record& rec) {
      rec.body["status"] = "filled";
      return Status::ok();
    });
    REQUIRE(edited.isOk());
    CHECK(edited->write_id != r->write_id);  // a fresh write_id per edit
    CHECK(store->get(id)->body["status"] == "filled");
    CHECK(store->pendingRecords() == 1);
    CHECK(store->syncingCount() == 1);
  }
  // The app is killed: everything it wrote is in the database.
  auto store = openStore(dir);
  REQUIRE(store->get(id));
  CHECK(store->get(id)->body["status"] == "filled");
  CHECK(store->row(id)->pending());
  CHECK(store->identity()->operator_id == "op-1");
}

TEST_CASE("a refused change writes nothing") {
  TempDir dir;
  auto store = openStore(dir);
  auto r = store->create("inspection", inspection("open"));
  REQUIRE(r.isOk());
  auto refused = store->update(r->id, [](core::Record& rec) {
    rec.body["status"] = "submitted";
    return Status::invalid("needs a signature");
  });
  CHECK(refused.status().code() == Code::kInvalid);
  CHECK(store->get(r->id)->body["status"] == "open");
  CHECK(store->row(r->id)->write_id == r->write_id);
  CHECK(store->update("nope", [](core::Record&) { return Status::ok(); }).status().code() ==
        Code::kNotFound);
  CHECK(store->create("inspection", inspection("open"), {}, {}, r->id).status().code() ==
        Code::kConflict);
}

TEST_CASE("assigned work lists this operator's unfinished records") {
  TempDir dir;
  auto store = openStore(dir);
  auto mine = store->create("inspection", inspection("open"), {}, {"op-1"});
  auto done = store->create("inspection", inspection("submitted"), {}, {"op-1"});
  auto theirs = store->create("inspection", inspection("open"), {}, {"op-2"});
  REQUIRE((mine.isOk() && done.isOk() && theirs.isOk()));
  auto work = store->assignedWork();
  REQUIRE(work.size() == 1);
  CHECK(work[0].id == mine->id);
  REQUIRE(store->remove(mine->id).isOk());
  CHECK(store->assignedWork().empty());
  CHECK(store->list().size() == 2);
}

TEST_CASE("an answer is adopted whole: results, changes, cursor, inbox") {
  TempDir dir;
  auto store = openStore(dir);
  auto r = store->create("inspection", inspection("open"));
  REQUIRE(r.isOk());
  OutgoingSync out = store->nextRequest(100, 10);
  REQUIRE(out.writes == 1);
  CHECK(out.request["device"] == "dev-1");
  CHECK(out.request["cursor"].is_null());
  CHECK(out.request["writes"][0]["base"].is_null());

  core::Json canonical = core::toJson(*store->get(r->id));
  canonical["stamp"] = "0000000000000001-0000-gw";
  core::Json other{{"id", "rec-other"},
                   {"type", "gate_event"},
                   {"site", "yard-a"},
                   {"body", {{"direction", "in"}}},
                   {"stamp", "0000000000000002-0000-gw"}};
  core::Json answer{{"results",
                     {{{"write_id", out.request["writes"][0]["write_id"]},
                       {"id", r->id},
                       {"status", "accepted"},
                       {"record", canonical}}}},
                    {"changes", {other}},
                    {"cursor", "7"},
                    {"more", false},
                    {"inbox",
                     {{{"notice", "c-1"},
                       {"record", "rec-other"},
                       {"kind", "conflict"},
                       {"text", "Your change was replaced"}}}},
                    {"missing_attachments", core::Json::array()}};
  auto counts = store->adoptAnswer(out, answer);
  REQUIRE(counts.isOk());
  CHECK(counts->accepted == 1);
  CHECK(counts->pulled == 1);
  CHECK(counts->notices == 1);
  CHECK(store->pendingRecords() == 0);
  CHECK(store->get("rec-other"));
  CHECK(store->nextRequest(100, 10).request["cursor"] == "7");

  // A notice the user has seen is acknowledged on the next sync, then gone.
  REQUIRE(store->inbox().size() == 1);
  REQUIRE(store->ackNotice("c-1").isOk());
  CHECK(store->inbox().empty());
  OutgoingSync next = store->nextRequest(100, 10);
  CHECK(next.request["inbox_ack"] == core::Json::array({"c-1"}));
  answer["results"] = core::Json::array();
  answer["changes"] = core::Json::array();
  answer["inbox"] = core::Json::array();
  REQUIRE(store->adoptAnswer(next, answer).isOk());
  CHECK(store->nextRequest(100, 10).request["inbox_ack"].empty());
}

TEST_CASE("a malformed answer changes nothing") {
  TempDir dir;
  auto store = openStore(dir);
  REQUIRE(store->create("inspection", inspection("open")).isOk());
  OutgoingSync out = store->nextRequest(100, 10);
  CHECK_FALSE(store->adoptAnswer(out, {{"results", core::Json::array()}}).isOk());
  core::Json bad{{"results", {{{"write_id", "w"}, {"id", "x"}, {"status", "accepted"}}}},
                 {"changes", {{{"id", 5}}}},
                 {"cursor", "9"}};
  CHECK_FALSE(store->adoptAnswer(out, bad).isOk());
  CHECK(store->pendingRecords() == 1);
  CHECK(store->nextRequest(100, 10).request["cursor"].is_null());
}

TEST_CASE("attachments are cached durably, uploaded once synced, evicted after grace") {
  TempDir dir;
  auto store = openStore(dir);
  auto photo = store->capture("jpeg bytes", "image/jpeg", "front.jpg");
  REQUIRE(photo.isOk());
  CHECK(photo->size == 10);
  std::ifstream in(store->blobCache().path(photo->sha256));
  CHECK(in.good());
  auto r = store->create("inspection", inspection("photos"), {photo.value()});
  REQUIRE(r.isOk());
  CHECK(store->syncingCount() == 2);      // the record and the photo
  CHECK(store->blobsToUpload().empty());  // the gateway does not know the record yet

  OutgoingSync out = store->nextRequest(100, 10);
  core::Json canonical = out.request["writes"][0];
  canonical["site"] = "yard-a";
  canonical["stamp"] = "0000000000000001-0000-gw";
  canonical.erase("client_time");
  REQUIRE(store
              ->adoptAnswer(out, {{"results",
                                   {{{"write_id", canonical["write_id"]},
                                     {"id", r->id},
                                     {"status", "accepted"},
                                     {"record", canonical}}}},
                                  {"cursor", "1"}})
              .isOk());
  REQUIRE(store->blobsToUpload().size() == 1);
  REQUIRE(store->confirmBlob(photo->sha256, 1000).isOk());
  CHECK(store->syncingCount() == 0);
  CHECK(store->evictBlobs(1000 + 500, 1000).value() == 0);  // inside the grace window
  CHECK(store->evictBlobs(2000, 1000).value() == 1);
  CHECK(store->blobs()[0].evicted);
  std::ifstream gone(store->blobCache().path(photo->sha256));
  CHECK_FALSE(gone.good());
}

TEST_CASE("a blob a pending edit lists is never evicted") {
  TempDir dir;
  auto store = openStore(dir);
  auto photo = store->capture("bytes", "image/jpeg", "a.jpg");
  REQUIRE(photo.isOk());
  REQUIRE(store->create("inspection", inspection("photos"), {photo.value()}).isOk());
  REQUIRE(store->confirmBlob(photo->sha256, 1).isOk());
  CHECK(store->evictBlobs(1000000, 10).value() == 0);
}

TEST_CASE("a blob no record lists (the app died before the edit) is forgotten after grace") {
  TempDir dir;
  auto store = openStore(dir);
  auto orphan = store->capture("orphan bytes", "image/jpeg", "lost.jpg");
  auto kept = store->capture("listed bytes", "image/jpeg", "kept.jpg");
  REQUIRE(orphan.isOk());
  REQUIRE(kept.isOk());
  REQUIRE(store->create("inspection", inspection("photos"), {kept.value()}).isOk());
  CHECK(store->syncingCount() == 3);  // the record and both blobs
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t grace = 3600 * 1000;
  CHECK(store->evictBlobs(now, grace).value() == 0);  // it may still be listed
  CHECK(store->evictBlobs(now + grace + 1000, grace).value() == 1);
  CHECK_FALSE(std::ifstream(store->blobCache().path(orphan->sha256)).good());
  CHECK(std::ifstream(store->blobCache().path(kept->sha256)).good());
  REQUIRE(store->blobs().size() == 1);
  CHECK(store->blobs()[0].attachment.sha256 == kept->sha256);
  CHECK(store->syncingCount() == 2);
  // Captured again later, it is a blob like any other.
  REQUIRE(store->capture("orphan bytes", "image/jpeg", "lost.jpg").isOk());
  CHECK(store->blobs().size() == 2);
}

TEST_CASE("an attachment another phone captured is downloaded, checked, then held locally") {
  TempDir dir;
  auto store = openStore(dir);
  yard::device::test::FakeGateway gateway;
  const std::string bytes = "a photo from another phone";
  const core::Attachment a{sha256Hex(bytes), static_cast<int64_t>(bytes.size()), "image/jpeg",
                           "theirs.jpg"};

  CHECK(store->attachmentFile(a, gateway, 1000).status().code() == Code::kNotFound);
  gateway.blobs[a.sha256] = "other bytes";  // a gateway serving the wrong file
  CHECK(store->attachmentFile(a, gateway, 1000).status().code() == Code::kRetry);
  CHECK(store->blobs().empty());  // nothing kept

  gateway.blobs[a.sha256] = bytes;
  auto file = store->attachmentFile(a, gateway, 1000);
  REQUIRE(file.isOk());
  std::ifstream in(file.value(), std::ios::binary);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == bytes);
  REQUIRE(store->blobs().size() == 1);
  CHECK(store->blobs()[0].confirmed_at == 1000);  // the gateway has it: evictable after grace
  CHECK(store->syncingCount() == 0);              // and not something to upload

  gateway.blobs.clear();  // held now: no second download
  CHECK(store->attachmentFile(a, gateway, 2000).value() == file.value());
}
