// Attachments through a hub (DESIGN §2 rule 5, §6): a photo uploaded to a gateway reaches the
// hub byte-identical after the record that references it, is evicted from the gateway only
// once the hub confirmed it and the grace window passed, and comes back when a phone asks.
#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "harness/upstream_topology.h"
#include "tus_client.h"

using namespace yard::it;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

HttpResponse headAttachment(HttpClient& client, const std::string& sha) {
  HttpRequest req;
  req.method = "HEAD";
  req.path = "/v1/attachments/" + sha;
  return client.request(req);
}

// Polls until HEAD on client answers want, or the timeout; returns the last status.
int waitForHead(HttpClient& client, const std::string& sha, int want,
                std::chrono::seconds timeout = std::chrono::seconds(60)) {
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  while ((status = headAttachment(client, sha).status) != want && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return status;
}

}  // namespace

TEST_CASE("a photo reaches the hub whole, is evicted after confirm + grace, comes back",
          "[attachments][integration][upstream]") {
  UpstreamTopology net;
  // About 4 s of grace: long enough to see the blob kept after the confirmation, short enough
  // for a test.
  DaemonProcess& gw = net.addGateway("gw-a", {{"attachments.grace_hours", "0.0011"}});
  HttpClient gw_admin = adminClient(gw);
  Enrolment phone = enrollDevice(gw_admin, "dev-1", "yard-a", "op-1");
  TusClient tus(gw.port(), phone.token);
  HttpClient hub_admin = adminClient(net.hub());

  const std::string photo = randomBytes(3 * 1024 * 1024 + 17, 11);
  const std::string sha = sha256Hex(photo);
  SyncClient sync(gw.port(), phone);
  Json write = createWrite("inspection", inspectionBody("TRLU7"));
  write["attachments"] = Json::array(
      {{{"sha256", sha}, {"size", photo.size()}, {"mime", "image/jpeg"}, {"name", "p.jpg"}}});
  REQUIRE(onlyResult(sync.sync({write})).at("status") == "accepted");
  REQUIRE(tus.upload(photo).status == 204);

  // Pushed after its record; the hub holds it whole.
  REQUIRE(waitForHead(hub_admin, sha, 200) == 200);
  const auto confirmed_seen = Clock::now();
  HttpRequest get;
  get.path = "/v1/attachments/" + sha;
  CHECK(hub_admin.request(get).raw == photo);

  // Kept on the gateway inside the grace window ...
  HttpClient gw_phone(gw.port());
  gw_phone.setToken(phone.token);
  CHECK(headAttachment(gw_phone, sha).status == 200);
  // ... and evicted after it (the maintenance pass runs every second with this grace).
  REQUIRE(waitForHead(gw_phone, sha, 404) == 404);
  CHECK(Clock::now() - confirmed_seen >= std::chrono::seconds(2));
  // The eviction is recorded before the file is unlinked (a crash in between leaves a file the
  // next pass removes), so HEAD may say 404 a moment before the file is gone.
  const std::string file = gw.dataDir() + "/blobs/" + sha;
  for (int i = 0; i < 50 && fs::exists(file); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK_FALSE(fs::exists(file));
  Json status = gw_admin.get("/v1/status").json;
  CHECK(status.at("attachments").at("bytes") == 0);
  CHECK(status.at("attachments").at("pending") == 0);

  // A phone asks for it: fetched back from the hub, byte-identical.
  HttpResponse back = tus.getAttachment(sha);
  INFO(back.describe().substr(0, 300));
  REQUIRE(back.status == 200);
  CHECK(back.raw == photo);
  CHECK(fs::exists(gw.dataDir() + "/blobs/" + sha));
  // The hub never evicts.
  CHECK(fs::exists(net.hub().dataDir() + "/blobs/" + sha));
}
