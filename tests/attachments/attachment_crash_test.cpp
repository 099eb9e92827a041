// The attachment store after a kill -9 at its multi-step moments (DESIGN §2 rule 6):
// - filing a blob renames the finished upload into place, then records it: killed in between,
//   the restarted daemon finds the blob on disk and finishes the record (also when the PATCH
//   that completed it had recorded no offset at all);
// - evicting a blob records it as evicted, then deletes the file: killed in between, the next
//   maintenance pass deletes the file.
// The daemon is killed with SIGKILL and the file system (and, for eviction, the row) is put in
// exactly the state the crash leaves, since no signal can be timed between two syscalls.
#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "harness/daemon_process.h"
#include "harness/sync_client.h"
#include "tus_client.h"

using namespace yard::it;
namespace fs = std::filesystem;

namespace {

void execSql(const std::string& db, const std::string& sql) {
  sqlite3* conn = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &conn) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(conn, sql.c_str(), nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(conn);
  REQUIRE(rc == SQLITE_OK);
}

// A daemon with one enrolled phone and a photo to upload, and the restart after the kill with
// both clients pointed at the daemon's new port.
struct CrashYard {
  CrashYard(size_t photo_size, unsigned seed, DaemonConfig config = {})
      : daemon(std::move(config)), photo(randomBytes(photo_size, seed)), sha(sha256Hex(photo)) {
    daemon.start();
    admin = std::make_unique<HttpClient>(adminClient(daemon));
    tus = std::make_unique<TusClient>(daemon.port(),
                                      enrollDevice(*admin, "dev-1", "yard-a", "op-1").token);
  }
  void restart() {
    daemon.restart();
    tus->http().setPort(daemon.port());
    admin->setPort(daemon.port());
  }
  std::string partialPath(const std::string& location) const {
    return daemon.dataDir() + "/blobs/partial/" + location.substr(location.rfind('/') + 1);
  }
  // The upload at location is complete, and its blob held and served byte for byte.
  void checkFiled(const std::string& location) {
    CHECK(tus->head(location).headers.get("Upload-Offset") == std::to_string(photo.size()));
    HttpResponse got = tus->getAttachment(sha);
    REQUIRE(got.status == 200);
    CHECK(got.raw == photo);
    CHECK(admin->get("/v1/status").json.at("attachments").at("bytes") == photo.size());
  }

  DaemonProcess daemon;
  std::unique_ptr<HttpClient> admin;
  std::unique_ptr<TusClient> tus;
  const std::string photo, sha;
};

}  // namespace

TEST_CASE("kill -9 between filing a blob and recording it: the restart finishes the record",
          "[attachments][integration][durability]") {
  CrashYard yard(300000, 21);
  const std::string& photo = yard.photo;
  const std::string location = yard.tus->create(photo.size(), yard.sha).headers.get("Location");
  REQUIRE(yard.tus->patch(location, 0, photo.substr(0, photo.size() - 1)).status == 204);
  yard.daemon.kill9();

  // The state after the last byte was written and the file renamed, before the row.
  const std::string partial = yard.partialPath(location);
  REQUIRE(fs::exists(partial));
  { std::ofstream(partial, std::ios::app | std::ios::binary) << photo.back(); }
  fs::rename(partial, yard.daemon.dataDir() + "/blobs/" + yard.sha);

  yard.restart();
  yard.checkFiled(location);
}

TEST_CASE(
    "kill -9 in a PATCH that completes the upload (no offset recorded before the blob is filed): "
    "after the rename the restart finishes the record; before it the phone sends it again",
    "[attachments][integration][durability]") {
  CrashYard yard(300000, 22);
  const std::string& photo = yard.photo;
  const std::string location = yard.tus->create(photo.size(), yard.sha).headers.get("Location");
  yard.daemon.kill9();

  // Every byte written and fsync'd by the PATCH; the recorded offset is still 0.
  const std::string partial = yard.partialPath(location);
  { std::ofstream(partial, std::ios::binary) << photo; }
  const bool renamed = GENERATE(false, true);
  if (renamed) fs::rename(partial, yard.daemon.dataDir() + "/blobs/" + yard.sha);

  yard.restart();
  if (!renamed) {
    CHECK(yard.tus->head(location).headers.get("Upload-Offset") == "0");
    REQUIRE(yard.tus->patch(location, 0, photo).status == 204);
  }
  yard.checkFiled(location);
  CHECK_FALSE(fs::exists(partial));
}

TEST_CASE("kill -9 between recording an eviction and deleting the file: the next pass deletes it",
          "[attachments][integration][durability]") {
  DaemonConfig config;
  config.settings["attachments.upload_expiry_hours"] = "0.001";  // maintenance about every second
  CrashYard yard(200000, 22, config);
  const std::string& sha = yard.sha;
  REQUIRE(yard.tus->upload(yard.photo).status == 204);
  yard.daemon.kill9();

  // The state after the eviction's row was committed, before the unlink.
  execSql(yard.daemon.dataDir() + "/yard.db",
          "UPDATE blobs SET present = 0, confirmed_ms = 1 WHERE sha256 = '" + sha + "'");
  const std::string file = yard.daemon.dataDir() + "/blobs/" + sha;
  REQUIRE(fs::exists(file));

  yard.restart();
  HttpRequest head;
  head.method = "HEAD";
  head.path = "/v1/attachments/" + sha;
  head.token = yard.tus->token();
  CHECK(yard.tus->http().request(head).status == 404);  // evicted, whatever the disk still holds
  for (int i = 0; i < 100 && fs::exists(file); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK_FALSE(fs::exists(file));
  CHECK(yard.admin->get("/v1/status").json.at("attachments").at("bytes") == 0);
}
