// The phone client library and yard-phone against the real daemon: a workflow through a Wi-Fi
// that drops between every step (and a WAN to head office that drops too), two phones in conflict,
// yard-phone killed mid-sync and mid-upload, a gateway that serves HTTPS only, and a simulated
// yard of 50 phones converging.

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include "client/http_gateway.h"
#include "client/sync_engine.h"
#include "harness/daemon_process.h"
#include "harness/fault_proxy.h"
#include "harness/https_client.h"
#include "harness/sync_client.h"
#include "harness/upstream_topology.h"
#include "phone_process.h"

using namespace yard;
using namespace yard::device;
using yard::device::test::PhoneProcess;
using yard::device::test::runPhone;
using yard::it::DaemonProcess;
using yard::it::FaultProxy;

namespace {

using namespace std::chrono_literals;
const std::string kSite = "yard-a";

it::DaemonConfig gatewayConfig() {
  it::DaemonConfig c;
  c.node_id = "gw-dev";
  c.site = kSite;
  return c;
}

// HEAD /v1/attachments/{sha256}: 200 when the gateway holds it whole.
int headAttachment(const DaemonProcess& gw, const std::string& sha256) {
  it::HttpRequest req;
  req.method = "HEAD";
  req.path = "/v1/attachments/" + sha256;
  return it::adminClient(gw).request(req).status;
}

std::string url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

// A phone on its own database, reaching the gateway at port (a proxy, usually).
struct Phone {
  Phone(const DaemonProcess& gw, const std::string& name, int port) {
    auto admin = it::adminClient(gw);
    enrolment = it::enrollDevice(admin, name, kSite, "op-" + name);
    auto s = PhoneStore::open(gw.dir() + "/" + name + ".db");
    REQUIRE(s.isOk());
    store = std::move(s.value());
    REQUIRE(store->setIdentity({name, kSite, "op-" + name}).isOk());
    auto h = HttpGateway::connect(url(port), enrolment.token, 10s);
    REQUIRE(h.isOk());
    http = std::move(h.value());
    SyncOptions options;
    options.chunk_bytes = 64 * 1024;
    engine = std::make_unique<SyncEngine>(*store, *http, http.get(), options);
  }
  Status sync() {
    return engine->sync(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
  }

  it::Enrolment enrolment;
  std::unique_ptr<PhoneStore> store;
  std::unique_ptr<HttpGateway> http;
  std::unique_ptr<SyncEngine> engine;
};

std::string bytesOf(size_t n, unsigned seed) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * 2654435761u + seed) >> 13);
  return out;
}

// What the gateway holds for this phone, id -> record.
std::map<std::string, core::Json> gatewayView(const DaemonProcess& gw, const it::Enrolment& dev) {
  std::map<std::string, core::Json> out;
  it::SyncClient client(gw.port(), dev);
  for (const auto& r : client.pullAll()) out[r["id"]] = r;
  return out;
}

void requireSameAsGateway(const DaemonProcess& gw, Phone& phone) {
  REQUIRE(phone.store->pendingRecords() == 0);
  auto view = gatewayView(gw, phone.enrolment);
  auto local = phone.store->list();
  REQUIRE(local.size() == view.size());
  for (const auto& r : local) {
    REQUIRE(view.count(r.id));
    CHECK(view[r.id]["stamp"] == r.stamp);
    CHECK(view[r.id]["body"] == r.body);
  }
}

}  // namespace

TEST_CASE("an inspection workflow goes through with the Wi-Fi and the WAN dropping") {
  it::UpstreamTopology net(kSite);
  DaemonProcess& gw = net.addGateway("gw-dev");
  FaultProxy& wan = net.proxy("gw-dev");
  FaultProxy wifi(gw.port());
  Phone phone(gw, "dev-1", wifi.port());

  auto created = phone.store->create("inspection", {{"status", "open"}, {"equipment_id", "TRLU1"}},
                                     {}, {"op-dev-1"});
  REQUIRE(created.isOk());
  const std::string id = created->id;
  const std::string photo_bytes = bytesOf(300 * 1024, 1);
  auto photo = phone.store->capture(photo_bytes, "image/jpeg", "front.jpg");
  REQUIRE(photo.isOk());
  const std::vector<std::function<Status(core::Record&)>> steps = {
      [](core::Record& r) {
        r.body["status"] = "filled";
        r.body["checklist"] = {{"tyres", "ok"}};
        return Status::ok();
      },
      [&](core::Record& r) {
        r.body["status"] = "photos";
        r.attachments.push_back(photo.value());
        return Status::ok();
      },
      [](core::Record& r) {
        r.body["status"] = "signed";
        r.body["signature"] = "J. Driver";
        return Status::ok();
      },
      [](core::Record& r) {
        r.body["status"] = "submitted";
        return Status::ok();
      }};
  for (size_t step = 0; step <= steps.size(); ++step) {
    if (step > 0) REQUIRE(phone.store->update(id, steps[step - 1]).isOk());
    // Head office is out of reach on every other step; the yard does not notice.
    wan.setFault(step % 2 ? FaultProxy::Fault::kRefuse : FaultProxy::Fault::kNone);
    net.syncNow("gw-dev");
    // The link is down: nothing reaches the gateway, the phone keeps working locally.
    wifi.setFault(FaultProxy::Fault::kRefuse);
    CHECK(phone.sync().code() == Code::kRetry);
    CHECK(phone.store->row(id)->pending());
    // The request reaches the gateway, the answer never comes back.
    wifi.setFault(FaultProxy::Fault::kCutResponse, 40);
    CHECK(phone.sync().code() == Code::kRetry);
    CHECK(phone.store->row(id)->pending());
    // The Wi-Fi is back: the same write_id is answered (not applied twice).
    wifi.setFault(FaultProxy::Fault::kNone);
    REQUIRE(phone.sync().isOk());
    CHECK_FALSE(phone.store->row(id)->pending());
  }
  CHECK(phone.store->syncingCount() == 0);
  requireSameAsGateway(gw, phone);
  auto view = gatewayView(gw, phone.enrolment);
  CHECK(view[id]["body"]["status"] == "submitted");
  // The photo is at the gateway, whole.
  CHECK(headAttachment(gw, photo->sha256) == 200);
  auto admin = it::adminClient(gw);
  // Each step was stamped once: the gateway kept no conflict for any of them.
  CHECK(it::listConflicts(admin).empty());
  // The WAN back: head office has the submitted inspection under the gateway's stamp, and
  // the photo.
  wan.setFault(FaultProxy::Fault::kNone);
  net.syncAndWait("gw-dev");
  auto at_hub = it::recordsById(net.hubReader());
  REQUIRE(at_hub.count(id));
  CHECK(at_hub[id]["stamp"] == phone.store->get(id)->stamp);
  CHECK(at_hub[id]["body"]["status"] == "submitted");
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (headAttachment(net.hub(), photo->sha256) != 200 &&
         std::chrono::steady_clock::now() < deadline) {
    net.syncNow("gw-dev");
    std::this_thread::sleep_for(200ms);
  }
  CHECK(headAttachment(net.hub(), photo->sha256) == 200);
}

TEST_CASE("two phones edit one record: the gateway keeps the later, the other phone is told") {
  DaemonProcess gw(gatewayConfig());
  gw.start();
  Phone a(gw, "dev-a", gw.port());
  Phone b(gw, "dev-b", gw.port());
  auto shared = a.store->create("inspection", {{"status", "open"}, {"equipment_id", "SHARED1"}});
  REQUIRE(shared.isOk());
  REQUIRE(a.sync().isOk());
  REQUIRE(b.sync().isOk());
  REQUIRE(b.store->get(shared->id));

  auto edit = [](const std::string& notes) {
    return [notes](core::Record& r) {
      r.body["notes"] = notes;
      return Status::ok();
    };
  };
  // Both edit the same version offline; a reaches the gateway first, b last.
  REQUIRE(a.store->update(shared->id, edit("from a")).isOk());
  REQUIRE(b.store->update(shared->id, edit("from b")).isOk());
  REQUIRE(a.sync().isOk());
  REQUIRE(b.sync().isOk());
  REQUIRE(a.sync().isOk());

  CHECK(a.store->get(shared->id)->body["notes"] == "from b");
  CHECK(b.store->get(shared->id)->body["notes"] == "from b");
  auto inbox = a.store->inbox();
  REQUIRE(inbox.size() == 1);
  CHECK(inbox[0].kind == "conflict");
  CHECK(inbox[0].record == shared->id);
  CHECK(inbox[0].text.find("SHARED1") != std::string::npos);
  CHECK(inbox[0].raw["yours"]["body"]["notes"] == "from a");
  CHECK(b.store->inbox().empty());

  // Shown and acknowledged: the gateway does not send it again.
  REQUIRE(a.store->ackNotice(inbox[0].notice).isOk());
  REQUIRE(a.sync().isOk());
  REQUIRE(a.sync().isOk());
  CHECK(a.store->inbox().empty());
  it::SyncClient raw(gw.port(), a.enrolment);
  CHECK(raw.sync()["inbox"].empty());
  requireSameAsGateway(gw, a);
  requireSameAsGateway(gw, b);
}

TEST_CASE("yard-phone killed with SIGKILL mid-sync and mid-upload loses nothing") {
  DaemonProcess gw(gatewayConfig());
  gw.start();
  FaultProxy wifi(gw.port());
  const std::string db = gw.dir() + "/killed.db";
  const std::string token_file = gw.dir() + "/killed.token";
  auto admin = it::adminClient(gw);
  auto dev = it::enrollDevice(admin, "dev-k", kSite, "op-k");
  std::ofstream(token_file) << dev.token << "\n";
  const std::vector<std::string> sync_args = {
      "--db", db, "sync", "--gateway", url(wifi.port()), "--token-file", token_file, "--json"};
  REQUIRE(runPhone(gw.dir(),
                   {"--db", db, "init", "--device", "dev-k", "--site", kSite, "--operator", "op-k"})
              .exit_code == 0);
  std::set<std::string> ids;
  {
    auto store = PhoneStore::open(db);
    REQUIRE(store.isOk());
    for (int i = 0; i < 300; ++i) {
      auto r = (*store)->create(
          "gate_event",
          {{"direction", "in"}, {"equipment_id", "G" + std::to_string(i)}, {"lane", "1"}});
      REQUIRE(r.isOk());
      ids.insert(r->id);
    }
  }

  SECTION("mid-sync: the gateway applied the request, the phone died before the answer") {
    wifi.setFault(FaultProxy::Fault::kDelay, 0, 3000);
    PhoneProcess p(gw.dir(), sync_args);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    // The answer has left the gateway (so the batch is durable there) and is still on its way.
    while (wifi.bytesDown() == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    REQUIRE(wifi.bytesDown() > 0);
    p.kill9();
    CHECK(p.wait() == 128 + SIGKILL);
    CHECK(gatewayView(gw, dev).size() == 300);
    wifi.setFault(FaultProxy::Fault::kNone);
    auto again = runPhone(gw.dir(), sync_args);
    REQUIRE(again.exit_code == 0);
    auto summary = core::Json::parse(again.out);
    CHECK(summary["sent"] == 300);
    CHECK(summary["accepted"] == 300);  // answered from their write_ids, stamped once
    CHECK(summary["syncing"] == 0);
    auto view = gatewayView(gw, dev);
    CHECK(view.size() == 300);
    for (const auto& id : ids) CHECK(view.count(id) == 1);
    auto store = PhoneStore::open(db);
    REQUIRE(store.isOk());
    for (const auto& id : ids) CHECK((*store)->get(id)->stamp == view[id]["stamp"]);
  }

  SECTION("mid-upload: the next sync resumes the upload where the gateway has it") {
    const std::string bytes = bytesOf(6 * 1024 * 1024, 7);
    std::ofstream(gw.dir() + "/photo.jpg", std::ios::binary) << bytes;
    auto record = runPhone(gw.dir(), {"--db", db, "create", "inspection",
                                      R"({"status":"open","equipment_id":"BIG1"})", "--json"});
    REQUIRE(record.exit_code == 0);
    const std::string id = core::Json::parse(record.out)["id"];
    REQUIRE(runPhone(gw.dir(),
                     {"--db", db, "attach", id, gw.dir() + "/photo.jpg", "--mime", "image/jpeg"})
                .exit_code == 0);
    wifi.setBandwidth(1024 * 1024);
    PhoneProcess p(gw.dir(), sync_args);
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (wifi.bytesUp() < 3 * 1024 * 1024 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    REQUIRE(wifi.bytesUp() >= 3 * 1024 * 1024);
    p.kill9();
    CHECK(p.wait() == 128 + SIGKILL);
    wifi.setBandwidth(0);
    auto again = runPhone(gw.dir(), sync_args);
    REQUIRE(again.exit_code == 0);
    auto summary = core::Json::parse(again.out);
    CHECK(summary["uploaded"] == 1);
    // At least the chunks the gateway had made durable were not sent again.
    CHECK(summary["upload_bytes"].get<int64_t>() <=
          static_cast<int64_t>(bytes.size()) - 1024 * 1024);
    CHECK(summary["syncing"] == 0);
    CHECK(headAttachment(gw, sha256Hex(bytes)) == 200);
    auto view = gatewayView(gw, dev);
    CHECK(view.size() == 301);
  }
}

TEST_CASE("yard-phone enrols and syncs with a gateway that serves HTTPS only, trusting its CA") {
  DaemonProcess gw(gatewayConfig());
  it::makeSelfSignedCertificate(gw.dir(), "gw");
  it::makeSelfSignedCertificate(gw.dir(), "other");
  gw.config().settings["http.tls_cert"] = gw.dir() + "/gw.pem";
  gw.config().settings["http.tls_key"] = gw.dir() + "/gw.key";
  gw.start();
  const std::string https = "https://127.0.0.1:" + std::to_string(gw.port());
  const std::string db = gw.dir() + "/tls.db", token = gw.dir() + "/tls.token",
                    admin = gw.dir() + "/admin.token";
  std::ofstream(admin) << gw.adminToken() << "\n";
  auto recordsAtGateway = [&] {
    return it::httpsRequest(gw.port(), "GET", "/v1/status", gw.adminToken()).json.at("records");
  };

  // Enrolment asks the gateway for its site, over TLS, then syncs a record.
  auto enrolled = runPhone(gw.dir(), {"--db", db, "enrol", "--device", "dev-tls", "--operator",
                                      "op-tls", "--token-out", token, "--admin-token-file", admin,
                                      "--gateway", https, "--ca-file", gw.dir() + "/gw.pem"});
  INFO(enrolled.err);
  REQUIRE(enrolled.exit_code == 0);
  const std::string gate = R"({"direction":"in","equipment_id":"TLSU0001","lane":"2"})";
  REQUIRE(runPhone(gw.dir(), {"--db", db, "create", "gate_event", gate}).exit_code == 0);
  auto synced = runPhone(gw.dir(), {"--db", db, "sync", "--gateway", https, "--ca-file",
                                    gw.dir() + "/gw.pem", "--token-file", token});
  INFO(synced.err);
  REQUIRE(synced.exit_code == 0);
  CHECK(recordsAtGateway() == 1);

  // A CA that did not sign the gateway's certificate: refused (not retried as "unreachable"),
  // and the write stays pending on the phone.
  REQUIRE(runPhone(gw.dir(), {"--db", db, "create", "gate_event", gate}).exit_code == 0);
  auto refused = runPhone(gw.dir(), {"--db", db, "sync", "--gateway", https, "--ca-file",
                                     gw.dir() + "/other.pem", "--token-file", token});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("certificate") != std::string::npos);
  CHECK(recordsAtGateway() == 1);
  auto status = runPhone(gw.dir(), {"--db", db, "status", "--json"});
  REQUIRE(status.exit_code == 0);
  CHECK(core::Json::parse(status.out).at("pending_records") == 1);
}

TEST_CASE("yard-phone fetch: a photo another phone captured comes down, checked, once") {
  DaemonProcess gw(gatewayConfig());
  gw.start();
  Phone taker(gw, "dev-cam", gw.port());
  const std::string photo_bytes = bytesOf(400 * 1024, 9);
  auto photo = taker.store->capture(photo_bytes, "image/jpeg", "damage.jpg");
  REQUIRE(photo.isOk());
  auto created = taker.store->create(
      "inspection",
      {{"status", "photos"}, {"equipment_id", "F1"}, {"checklist", {{"tyres", "ok"}}}},
      {photo.value()});
  REQUIRE(created.isOk());
  REQUIRE(taker.sync().isOk());
  REQUIRE(headAttachment(gw, photo->sha256) == 200);

  // Another phone pulls the record, then asks for its attachment.
  auto admin = it::adminClient(gw);
  auto viewer = it::enrollDevice(admin, "dev-view", kSite, "op-view");
  const std::string db = gw.dir() + "/viewer.db", token = gw.dir() + "/viewer.token";
  std::ofstream(token) << viewer.token << "\n";
  REQUIRE(runPhone(gw.dir(), {"--db", db, "init", "--device", "dev-view", "--site", kSite,
                              "--operator", "op-view"})
              .exit_code == 0);
  REQUIRE(
      runPhone(gw.dir(), {"--db", db, "sync", "--gateway", url(gw.port()), "--token-file", token})
          .exit_code == 0);
  const std::vector<std::string> fetch = {
      "--db", db, "fetch", created->id, "--gateway", url(gw.port()), "--token-file", token};
  auto fetched = runPhone(gw.dir(), fetch);
  INFO(fetched.err);
  REQUIRE(fetched.exit_code == 0);
  const std::string path = fetched.out.substr(fetched.out.rfind(' ') + 1, std::string::npos);
  std::ifstream in(path.substr(0, path.find('\n')), std::ios::binary);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == photo_bytes);
  // Held now: asked again with the gateway gone, it answers from the phone.
  gw.kill9();
  CHECK(runPhone(gw.dir(), fetch).exit_code == 0);
}

TEST_CASE("yard-phone simulate: 50 phones converge with the gateway and lose nothing") {
  DaemonProcess gw(gatewayConfig());
  gw.start();
  std::ofstream(gw.dir() + "/admin.secret") << gw.adminToken() << "\n";
  auto run = runPhone(gw.dir(), {"simulate",
                                 "--gateway",
                                 url(gw.port()),
                                 "--admin-token-file",
                                 gw.dir() + "/admin.secret",
                                 "--phones",
                                 "50",
                                 "--steps",
                                 "12",
                                 "--photo-bytes",
                                 "8192",
                                 "--offline",
                                 "0.1",
                                 "--kills",
                                 "0.08",
                                 "--dir",
                                 gw.dir() + "/sim",
                                 "--seed",
                                 "7",
                                 "--json"});
  INFO(run.err);
  INFO(run.out);
  REQUIRE(run.exit_code == 0);
  // --json: the progress lines come first, the summary is the last line.
  const std::string last = run.out.substr(run.out.rfind('{'));
  auto s = core::Json::parse(last);
  CHECK(s["converged"] == true);
  CHECK(s["diverged"] == 0);
  CHECK(s["lost"] == 0);
  CHECK(s["phones"] == 50);
  CHECK(s["kills"].get<int>() > 0);
  CHECK(s["offline_spells"].get<int>() > 0);
  CHECK(s["uploads"].get<int>() > 0);
  CHECK(s["rejected"] == 0);
  CHECK(run.out.find("progress: ") != std::string::npos);
  CHECK(run.out.find('\r') == std::string::npos);  // no terminal: plain lines
  CHECK(run.err.find(gw.adminToken()) == std::string::npos);
  CHECK(run.out.find(gw.adminToken()) == std::string::npos);
}
