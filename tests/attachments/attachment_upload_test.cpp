// Attachments against the real daemon (DESIGN §6): tus uploads that resume after a cut
// connection or a kill -9, hash and offset errors, quota, tokens, 0-byte files, dedup, Range,
// missing_attachments in sync answers, and stale uploads cleaned up.
#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "harness/daemon_process.h"
#include "harness/sync_client.h"
#include "tus_client.h"

using namespace yard::it;
namespace fs = std::filesystem;

namespace {

constexpr size_t kPhoto = 5 * 1024 * 1024;

struct Yard {
  explicit Yard(DaemonConfig config = {}) : daemon(std::move(config)) {
    daemon.start();
    admin = std::make_unique<HttpClient>(adminClient(daemon));
    phone = enrollDevice(*admin, "dev-1", "yard-a", "op-1");
  }
  TusClient tus() { return TusClient(daemon.port(), phone.token); }
  size_t blobFiles() const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(daemon.dataDir() + "/blobs"))
      n += e.is_regular_file() ? 1 : 0;
    return n;
  }
  DaemonProcess daemon;
  std::unique_ptr<HttpClient> admin;
  Enrolment phone;
};

// The offset the daemon reports, polled until it stops moving (the daemon may still be
// writing what arrived before the cut).
int64_t settledOffset(TusClient& tus, const std::string& location) {
  int64_t last = -1;
  for (int i = 0; i < 100; ++i) {
    HttpResponse head = tus.head(location);
    REQUIRE(head.status == 200);
    const int64_t now = std::stoll(head.headers.get("Upload-Offset"));
    if (now == last) return now;
    last = now;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return last;
}

void requireJsonError(const HttpResponse& r, int status, const std::string& code) {
  INFO(r.describe());
  REQUIRE(r.status == status);
  REQUIRE(r.isJson());
  CHECK(r.json.at("error") == code);
  CHECK_FALSE(r.json.at("message").get<std::string>().empty());
}

}  // namespace

TEST_CASE("a 5 MB upload cut mid-PATCH resumes from the reported offset, byte-exact",
          "[attachments][integration]") {
  Yard yard;
  TusClient tus = yard.tus();
  const std::string photo = randomBytes(kPhoto, 1);
  const std::string sha = sha256Hex(photo);

  HttpResponse created = tus.create(kPhoto, sha);
  REQUIRE(created.status == 201);
  CHECK(created.headers.get("Tus-Resumable") == "1.0.0");
  const std::string location = created.headers.get("Location");
  REQUIRE(location.rfind("/v1/uploads/", 0) == 0);
  CHECK(tus.getAttachment(sha).status == 404);

  const size_t cut_at = 2 * 1024 * 1024 + 12345;
  sendCutPatch(yard.daemon.port(), tus.token(), location, 0, photo, cut_at);
  const int64_t offset = settledOffset(tus, location);
  CHECK(offset > 0);  // bytes that reached the daemon were kept
  CHECK(offset <= static_cast<int64_t>(cut_at));
  CHECK(tus.head(location).headers.get("Upload-Length") == std::to_string(kPhoto));

  HttpResponse done = tus.patch(location, offset, photo.substr(offset));
  INFO(done.describe());
  REQUIRE(done.status == 204);
  CHECK(done.headers.get("Upload-Offset") == std::to_string(kPhoto));

  HttpResponse got = tus.getAttachment(sha);
  REQUIRE(got.status == 200);
  CHECK(got.headers.get("Content-Type") == "image/jpeg");
  CHECK(got.raw == photo);
  HttpResponse part = tus.getAttachment(sha, "bytes=1000-1999");
  REQUIRE(part.status == 206);
  CHECK(part.headers.get("Content-Range") == "bytes 1000-1999/" + std::to_string(kPhoto));
  CHECK(part.raw == photo.substr(1000, 1000));
  CHECK(tus.getAttachment(sha, "bytes=-10").raw == photo.substr(kPhoto - 10));
  requireJsonError(tus.getAttachment(sha, "bytes=" + std::to_string(kPhoto) + "-"), 416,
                   "range_not_satisfiable");

  HttpRequest head;
  head.method = "HEAD";
  head.path = "/v1/attachments/" + sha;
  head.token = tus.token();
  HttpResponse held = tus.http().request(head);
  CHECK(held.status == 200);
  CHECK(held.headers.get("Content-Length") == std::to_string(kPhoto));
  CHECK(held.raw.empty());
}

TEST_CASE("tus errors: hash mismatch discards, wrong offset 409, no token 401, bad names",
          "[attachments][integration]") {
  Yard yard;
  TusClient tus = yard.tus();
  const std::string bytes = randomBytes(100000, 2);

  SECTION("hash mismatch: 460, the upload and its bytes are gone") {
    const std::string claimed = sha256Hex("something else");
    HttpResponse created = tus.create(bytes.size(), claimed);
    REQUIRE(created.status == 201);
    const std::string location = created.headers.get("Location");
    requireJsonError(tus.patch(location, 0, bytes), 460, "checksum_mismatch");
    CHECK(tus.getAttachment(claimed).status == 404);
    CHECK(tus.head(location).status == 404);
    CHECK(yard.blobFiles() == 0);
    CHECK(fs::is_empty(yard.daemon.dataDir() + "/blobs/partial"));
  }
  SECTION("wrong offset: 409, nothing written") {
    HttpResponse created = tus.create(bytes.size(), sha256Hex(bytes));
    const std::string location = created.headers.get("Location");
    requireJsonError(tus.patch(location, 10, bytes.substr(10)), 409, "offset_mismatch");
    REQUIRE(tus.patch(location, 0, bytes.substr(0, 500)).status == 204);
    requireJsonError(tus.patch(location, 0, bytes), 409, "offset_mismatch");
    CHECK(tus.head(location).headers.get("Upload-Offset") == "500");
    // More than Upload-Length: refused before a byte is written.
    requireJsonError(tus.patch(location, 500, bytes.substr(500) + "x"), 413, "too_large");
    REQUIRE(tus.patch(location, 500, bytes.substr(500)).status == 204);
    CHECK(tus.getAttachment(sha256Hex(bytes)).raw == bytes);
  }
  SECTION("every route needs a token; another device cannot touch an upload") {
    HttpClient anonymous(yard.daemon.port());
    HttpRequest post;
    post.method = "POST";
    post.path = "/v1/uploads";
    post.headers = {{"Tus-Resumable", "1.0.0"}, {"Upload-Length", "10"}};
    requireJsonError(anonymous.request(post), 401, "unauthorized");
    requireJsonError(anonymous.get("/v1/attachments/" + sha256Hex(bytes)), 401, "unauthorized");
    HttpRequest options;
    options.method = "OPTIONS";
    options.path = "/v1/uploads";
    requireJsonError(anonymous.request(options), 401, "unauthorized");
    options.token = tus.token();
    HttpResponse discovery = tus.http().request(options);
    CHECK(discovery.status == 204);
    CHECK(discovery.headers.get("Tus-Version") == "1.0.0");
    CHECK(discovery.headers.get("Tus-Extension") == "creation");
    CHECK(discovery.headers.get("Tus-Max-Size") == std::to_string(64 << 20));

    const std::string location = tus.create(bytes.size(), sha256Hex(bytes)).headers.get("Location");
    TusClient other(yard.daemon.port(), enrollDevice(*yard.admin, "dev-2", "yard-a", "op-2").token);
    CHECK(other.head(location).status == 404);
    CHECK(other.patch(location, 0, bytes).status == 404);
  }
  SECTION("bad requests are JSON errors that change nothing") {
    requireJsonError(tus.getAttachment("../../etc/passwd"), 404, "not_found");  // router
    requireJsonError(tus.getAttachment(std::string(64, 'A')), 400, "bad_request");
    requireJsonError(tus.getAttachment(std::string(63, 'a') + "."), 400, "bad_request");
    requireJsonError(tus.create(10, "not-a-hash"), 400, "bad_request");
    requireJsonError(tus.create(int64_t{65} << 20, sha256Hex(bytes)), 413, "too_large");
    HttpRequest no_version;
    no_version.method = "POST";
    no_version.path = "/v1/uploads";
    no_version.token = tus.token();
    no_version.headers = {{"Upload-Length", "10"}};
    requireJsonError(tus.http().request(no_version), 412, "unsupported_version");
    // HEAD answers carry no body: the status says it.
    CHECK(tus.head("/v1/uploads/0123456789abcdef0123456789abcdef").status == 404);
    CHECK(tus.head("/v1/uploads/..%2f..%2fyard.db").status == 404);
    requireJsonError(tus.patch("/v1/uploads/ABCDEF", 0, "x"), 404, "not_found");
    CHECK(yard.blobFiles() == 0);
  }
}

TEST_CASE("0-byte files, dedup with one copy on disk, quota full of unconfirmed data: 507",
          "[attachments][integration]") {
  DaemonConfig config;
  config.settings["attachments.quota_mb"] = "1";
  Yard yard(config);
  TusClient tus = yard.tus();

  HttpResponse empty = tus.create(0, sha256Hex(""));
  REQUIRE(empty.status == 201);
  CHECK(empty.headers.get("Upload-Offset") == "0");
  HttpResponse got_empty = tus.getAttachment(sha256Hex(""));
  CHECK(got_empty.status == 200);
  CHECK(got_empty.raw.empty());

  const std::string photo = randomBytes(600 * 1024, 3);
  REQUIRE(tus.upload(photo).status == 204);
  CHECK(yard.blobFiles() == 2);
  // The same photo again (another phone, a retry): complete at once, no byte sent, one copy.
  HttpResponse again = tus.create(photo.size(), sha256Hex(photo));
  REQUIRE(again.status == 201);
  CHECK(again.headers.get("Upload-Offset") == std::to_string(photo.size()));
  CHECK(tus.head(again.headers.get("Location")).headers.get("Upload-Offset") ==
        std::to_string(photo.size()));
  CHECK(yard.blobFiles() == 2);

  // 600 KiB held and unconfirmed (no upstream): another 600 KiB does not fit in 1 MiB.
  const std::string second = randomBytes(600 * 1024, 4);
  requireJsonError(tus.create(second.size(), sha256Hex(second)), 507, "insufficient_storage");
  Json status = yard.admin->get("/v1/status").json;
  CHECK(status.at("attachments").at("bytes") == 600 * 1024);
  CHECK(status.at("attachments").at("unconfirmed_bytes") == 600 * 1024);
  CHECK(status.at("attachments").at("quota_bytes") == 1 << 20);
  CHECK(status.at("attachments").at("full") == true);
  CHECK(status.at("attachments").at("pending") == 0);  // no upstream: nothing waits for it
}

TEST_CASE("sync answers list the attachments accepted records reference but the node lacks",
          "[attachments][integration]") {
  Yard yard;
  TusClient tus = yard.tus();
  SyncClient phone(yard.daemon.port(), yard.phone);
  const std::string photo = randomBytes(1000, 5);
  const std::string sha = sha256Hex(photo);
  Json write = createWrite("inspection", inspectionBody("TRLU1"));
  write["attachments"] =
      Json::array({{{"sha256", sha}, {"size", 1000}, {"mime", "image/jpeg"}, {"name", "p.jpg"}}});
  Json first = phone.sync({write});
  REQUIRE(onlyResult(first).at("status") == "accepted");
  CHECK(first.at("missing_attachments") == Json::array({sha}));

  REQUIRE(tus.upload(photo).status == 204);
  Json edit = editWrite(onlyResult(first).at("record"), inspectionBody("TRLU1", "filled"));
  edit["attachments"] = write["attachments"];
  Json second = phone.sync({edit});
  REQUIRE(onlyResult(second).at("status") == "accepted");
  CHECK(second.at("missing_attachments") == Json::array());
}

TEST_CASE("kill -9 mid-upload: the upload resumes from a durable offset, byte-exact",
          "[attachments][integration][durability]") {
  Yard yard;
  TusClient tus = yard.tus();
  const std::string photo = randomBytes(kPhoto, 6);
  const std::string location = tus.create(kPhoto, sha256Hex(photo)).headers.get("Location");
  REQUIRE(tus.patch(location, 0, photo.substr(0, 1 << 20)).status == 204);

  // A second PATCH carrying most of the rest, killed while it is being written.
  std::thread sender([&] {
    try {
      sendCutPatch(yard.daemon.port(), tus.token(), location, 1 << 20, photo.substr(1 << 20),
                   kPhoto - (1 << 20) - 1000);
    } catch (const std::exception&) {
      // the daemon died under it
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  yard.daemon.kill9();
  sender.join();
  yard.daemon.restart();
  tus.http().setPort(yard.daemon.port());

  const int64_t offset = std::stoll(tus.head(location).headers.get("Upload-Offset"));
  CHECK(offset >= 1 << 20);  // the acknowledged first PATCH survived
  CHECK(offset <= static_cast<int64_t>(kPhoto - 1000));
  REQUIRE(tus.patch(location, offset, photo.substr(offset)).status == 204);
  CHECK(tus.getAttachment(sha256Hex(photo)).raw == photo);
}

TEST_CASE("a partial upload idle past upload_expiry_hours is deleted with its bytes",
          "[attachments][integration]") {
  DaemonConfig config;
  config.settings["attachments.upload_expiry_hours"] = "0.0003";  // about a second
  Yard yard(config);
  TusClient tus = yard.tus();
  const std::string bytes = randomBytes(5000, 7);
  const std::string location = tus.create(bytes.size(), sha256Hex(bytes)).headers.get("Location");
  REQUIRE(tus.patch(location, 0, bytes.substr(0, 100)).status == 204);
  const std::string partial =
      yard.daemon.dataDir() + "/blobs/partial/" + location.substr(location.rfind('/') + 1);
  CHECK(fs::exists(partial));
  for (int i = 0; i < 100 && tus.head(location).status == 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(tus.head(location).status == 404);
  CHECK_FALSE(fs::exists(partial));
}
