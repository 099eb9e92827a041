// Bad input over HTTP (DESIGN §4 "Every error is JSON", §8): every refusal has the right status
// and a {"error","message"} body, applies nothing, and never takes the daemon down.
#include <Poco/DeflatingStream.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <sstream>

#include "harness/daemon_process.h"
#include "harness/sync_client.h"

using namespace yard::it;

namespace {

constexpr int kMaxRequestBytes = 4096;

// A daemon with a small request limit, two phones, an observer that sees the whole site
// (a node client), a revoked device, and a few records already there.
struct Yard {
  DaemonProcess daemon{DaemonConfig{
      "gw-it", "yard-a", {{"http.max_request_bytes", std::to_string(kMaxRequestBytes)}}, ""}};
  HttpClient admin;
  SyncClient phone_a;
  SyncClient phone_b;
  SyncClient observer;
  std::string revoked_token;

  Yard()
      : admin((daemon.start(), adminClient(daemon))),
        phone_a(daemon.port(), enrollDevice(admin, "dev-a", "yard-a", "op-1")),
        phone_b(daemon.port(), enrollDevice(admin, "dev-b", "yard-a", "op-2")),
        observer(daemon.port(), enrollDevice(admin, "observer", "yard-a", "", true)) {
    revoked_token = enrollDevice(admin, "dev-gone", "yard-a", "op-9").token;
    if (admin.del("/v1/admin/devices/dev-gone").status != 200)
      throw std::runtime_error("cannot revoke dev-gone");
    phone_a.sync(
        {createWrite("inspection", inspectionBody("PRE00001")),
         createWrite("gate_event",
                     {{"direction", "out"}, {"equipment_id", "PRE00002"}, {"lane", "1"}})});
  }

  // Everything a bad request could have changed: records, audit, devices, inboxes.
  Json snapshot() {
    Json devices = Json::array();
    auto listed = admin.get("/v1/admin/devices");
    REQUIRE(listed.status == 200);
    for (const auto& d : listed.json)
      devices.push_back({d.at("id"), d.at("site"), d.at("operator"), d.at("revoked")});
    return Json{{"records", observer.pullAll()},
                {"conflicts", listConflicts(admin)},
                {"devices", devices},
                {"inbox_a", phone_a.sync().at("inbox")},
                {"inbox_b", phone_b.sync().at("inbox")}};
  }
};

void checkError(const HttpResponse& r, int status, const std::string& code = "") {
  INFO(r.describe());
  CHECK(r.status == status);
  REQUIRE(r.isJson());
  REQUIRE(r.json.is_object());
  CHECK(r.json.contains("error"));
  CHECK(r.json.value("error", Json()).is_string());
  CHECK(r.json.value("message", Json()).is_string());
  CHECK_FALSE(r.json.value("message", "").empty());
  if (!code.empty()) CHECK(r.json.value("error", "") == code);
}

HttpRequest syncPost(const std::string& raw, const std::string& token) {
  HttpRequest req;
  req.method = "POST";
  req.path = "/v1/sync";
  req.raw_body = raw;
  req.token = token;
  return req;
}

// Sends req on a connection of its own. Refusals sent before the body is read are checked here
// apart from keep-alive reuse, which has its own test case below.
HttpResponse onNewConnection(int port, const HttpRequest& req) {
  HttpClient client(port);
  return client.request(req);
}

// A valid sync request of phone with one new inspection, so a request that is wrongly applied
// would show in the snapshot.
Json validRequest(SyncClient& phone) {
  return phone.request({createWrite("inspection", inspectionBody("MUSTNOT1"))});
}

}  // namespace

TEST_CASE("malformed and ill-typed sync requests: 400, nothing applied") {
  Yard yard;
  const Json before = yard.snapshot();
  const std::string token = yard.phone_a.device().token;
  const std::string valid = validRequest(yard.phone_a).dump();

  checkError(yard.phone_a.http().request(syncPost("{not json", token)), 400, "bad_json");
  checkError(yard.phone_a.http().request(syncPost(valid.substr(0, valid.size() - 2), token)), 400);
  checkError(yard.phone_a.http().request(syncPost("", token)), 400);
  CHECK(yard.snapshot() == before);

  auto mutate = [&](auto change) {
    Json request = validRequest(yard.phone_a);
    change(request);
    auto r = yard.phone_a.post(request);
    checkError(r, 400, "bad_request");
    CHECK(yard.snapshot() == before);
  };
  mutate([](Json& r) { r["writes"] = "all of them"; });
  mutate([](Json& r) { r["limit"] = "5"; });
  mutate([](Json& r) { r["limit"] = 0; });
  mutate([](Json& r) { r["cursor"] = 5; });
  mutate([](Json& r) { r["cursor"] = "not-a-cursor"; });
  mutate([](Json& r) { r["device"] = 7; });
  mutate([](Json& r) { r["inbox_ack"] = "c-1"; });
  mutate([](Json& r) { r["writes"][0]["body"] = "text"; });
  mutate([](Json& r) { r["writes"][0]["deleted"] = "no"; });
  mutate([](Json& r) { r["writes"][0]["base"] = "yesterday"; });
  mutate([](Json& r) { r["writes"][0].erase("write_id"); });
  mutate([](Json& r) { r["writes"][0]["id"] = "has spaces/and slashes"; });
  mutate([](Json& r) { r["writes"][0]["attachments"] = Json::array({{{"sha256", "zz"}}}); });
  // One bad write spoils the whole batch: the valid one before it is not applied either.
  mutate([](Json& r) { r["writes"].push_back({{"id", "x"}}); });
  // Unknown fields, top level and in a write.
  mutate([](Json& r) { r["wrties"] = Json::array(); });
  mutate([](Json& r) { r["writes"][0]["colour"] = "red"; });
  // Not an object at all.
  mutate([](Json& r) { r = Json::array({r}); });
}

TEST_CASE("oversized bodies are refused with 413, with Content-Length and chunked") {
  Yard yard;
  const Json before = yard.snapshot();
  Json body = inspectionBody("BIG00001");
  body["notes"] = std::string(kMaxRequestBytes, 'x');
  const std::string big = yard.phone_a.request({createWrite("inspection", body)}).dump();
  REQUIRE(big.size() > static_cast<size_t>(kMaxRequestBytes));

  const int port = yard.daemon.port();
  HttpRequest req = syncPost(big, yard.phone_a.device().token);
  checkError(onNewConnection(port, req), 413, "too_large");
  CHECK(yard.snapshot() == before);

  req.chunked = true;
  checkError(onNewConnection(port, req), 413, "too_large");
  CHECK(yard.snapshot() == before);

  // Just under the limit is fine.
  body["notes"] = std::string(kMaxRequestBytes - 600, 'x');
  auto fits = yard.phone_a.post(yard.phone_a.request({createWrite("inspection", body)}));
  CHECK(fits.status == 200);
}

TEST_CASE("a client that hangs up in the middle of its body applies nothing") {
  Yard yard;
  const Json before = yard.snapshot();
  const std::string body = validRequest(yard.phone_a).dump();
  for (const bool chunked : {false, true}) {
    Poco::Net::HTTPClientSession session("127.0.0.1",
                                         static_cast<Poco::UInt16>(yard.daemon.port()));
    Poco::Net::HTTPRequest request("POST", "/v1/sync", Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + yard.phone_a.device().token);
    request.setContentType("application/json");
    if (chunked)
      request.setChunkedTransferEncoding(true);
    else
      request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    std::ostream& out = session.sendRequest(request);
    out.write(body.data(), static_cast<std::streamsize>(body.size() / 2));
    out.flush();
    session.reset();  // hang up
  }
  REQUIRE(HttpClient(yard.daemon.port()).get("/healthz").status == 200);
  CHECK(yard.snapshot() == before);
}

TEST_CASE("wrong content type: 415") {
  Yard yard;
  const Json before = yard.snapshot();
  HttpRequest req = syncPost(validRequest(yard.phone_a).dump(), yard.phone_a.device().token);
  req.content_type = "text/plain";
  checkError(onNewConnection(yard.daemon.port(), req), 415, "unsupported_media_type");
  req.content_type = "application/x-www-form-urlencoded";
  checkError(onNewConnection(yard.daemon.port(), req), 415, "unsupported_media_type");
  CHECK(yard.snapshot() == before);
}

TEST_CASE("tokens: missing, wrong, revoked, a device on admin, a device syncing as another") {
  Yard yard;
  const Json before = yard.snapshot();
  const std::string valid = validRequest(yard.phone_a).dump();
  const int port = yard.daemon.port();

  // The admin token file the daemon created is for its user only.
  struct stat st {};
  REQUIRE(::stat((yard.daemon.dir() + "/admin.token").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  checkError(onNewConnection(port, syncPost(valid, "")), 401, "unauthorized");
  checkError(onNewConnection(port, syncPost(valid, "ydev_not-a-real-token")), 401, "unauthorized");
  checkError(onNewConnection(port, syncPost(valid, yard.revoked_token)), 401, "unauthorized");
  HttpRequest basic = syncPost(valid, "");
  basic.headers.push_back({"Authorization", "Basic ZGV2LWE6cGFzcw=="});
  checkError(onNewConnection(port, basic), 401, "unauthorized");
  CHECK(yard.snapshot() == before);

  // A device token on admin endpoints: 403, and nothing enrolled or revoked.
  HttpClient& a = yard.phone_a.http();
  checkError(a.get("/v1/admin/devices"), 403, "forbidden");
  checkError(a.get("/v1/admin/conflicts"), 403, "forbidden");
  checkError(a.del("/v1/admin/devices/dev-b"), 403, "forbidden");
  HttpRequest enrol;
  enrol.method = "POST";
  enrol.path = "/v1/admin/devices";
  enrol.json = Json{{"id", "sneaky"}, {"site", "yard-a"}};
  enrol.token = yard.phone_a.device().token;
  checkError(onNewConnection(port, enrol), 403, "forbidden");
  CHECK(yard.snapshot() == before);

  // Device A's token, device B's name: 403, its writes not applied.
  HttpRequest as_b = syncPost(validRequest(yard.phone_b).dump(), yard.phone_a.device().token);
  checkError(onNewConnection(port, as_b), 403, "forbidden");
  CHECK(yard.snapshot() == before);

  // Enrolling a taken id, even a revoked one: 409.
  checkError(yard.admin.post("/v1/admin/devices", {{"id", "dev-a"}, {"site", "yard-a"}}), 409,
             "conflict");
  checkError(yard.admin.post("/v1/admin/devices", {{"id", "dev-gone"}, {"site", "yard-a"}}), 409,
             "conflict");
  checkError(yard.admin.post("/v1/admin/devices", {{"id", "bad id"}, {"site", "yard-a"}}), 400,
             "bad_request");
  // The admin token syncs on behalf of an enrolled device, never a revoked or unknown one.
  checkError(yard.admin.post("/v1/sync", Json{{"device", "dev-gone"}}), 400, "bad_request");
  checkError(yard.admin.post("/v1/sync", Json{{"device", "nobody"}}), 400, "bad_request");
  CHECK(yard.admin.post("/v1/sync", Json{{"device", "dev-a"}}).status == 200);
  CHECK(yard.snapshot() == before);

  // Revocation takes effect at once for a token that was working.
  REQUIRE(yard.phone_b.post(yard.phone_b.request()).status == 200);
  REQUIRE(yard.admin.del("/v1/admin/devices/dev-b").status == 200);
  checkError(
      onNewConnection(port, syncPost(yard.phone_b.request().dump(), yard.phone_b.device().token)),
      401, "unauthorized");
}

TEST_CASE("unknown paths 404, wrong methods 405") {
  Yard yard;
  HttpClient& admin = yard.admin;
  checkError(admin.get("/v1/nothing"), 404, "not_found");
  checkError(admin.get("/v1/syncx"), 404, "not_found");
  checkError(admin.get("/v1/admin/devices/dev-a/extra"), 404, "not_found");

  checkError(admin.get("/v1/sync"), 405, "method_not_allowed");
  checkError(admin.del("/healthz"), 405, "method_not_allowed");
  HttpRequest put;
  put.method = "PUT";
  put.path = "/v1/admin/devices";
  put.json = Json{{"id", "x"}, {"site", "yard-a"}};
  put.token = yard.daemon.adminToken();
  checkError(onNewConnection(yard.daemon.port(), put), 405, "method_not_allowed");
  checkError(admin.get("/v1/admin/records/abc/restore"), 405, "method_not_allowed");
}

TEST_CASE("path tricks never crash the daemon nor touch what they should not") {
  Yard yard;
  const Json before = yard.snapshot();
  const std::vector<std::string> paths{
      "/v1/admin/devices/../..",
      "/v1/admin/devices/..",
      "/v1/admin/devices/%2e%2e",
      "/v1/admin/devices/%2e%2e/%2e%2e",
      "/v1/admin/devices/%2E%2E%2F%2E%2E",
      "/v1/admin/devices/dev-a%2f..",
      "/v1/admin/devices/%zz",
      "/v1/admin/devices/%",
      "/v1/admin/devices/%ff%fe",
      "//v1/sync",
      "/v1//sync",
      "/v1/sync/",
      "/./v1/sync",
      "/v1/admin/records/%2e%2e/restore",
      "/v1/admin/devices/" + std::string(5000, 'a'),
      "/" + std::string(20000, '/'),
      "/v1/" + std::string(100000, 'x'),
  };
  for (const auto& method : {"GET", "DELETE", "POST"}) {
    for (const auto& path : paths) {
      INFO(method << " " << path.substr(0, 80));
      HttpRequest req;
      req.method = method;
      req.path = path;
      req.token = yard.daemon.adminToken();
      if (std::string(method) == "POST") req.json = Json{{"audit_id", 1}};
      HttpClient client(yard.daemon.port());
      try {
        auto r = client.request(req);
        CHECK(r.status >= 400);
        CHECK(r.status < 500);
      } catch (const std::exception& e) {
        // The daemon may close the connection on an unparseable request line; it must live on.
        WARN("connection closed: " << e.what());
      }
      const auto died = yard.daemon.pollExit();
      INFO("exit code " << died.value_or(0) << "; log:\n" << yard.daemon.lastRunLog());
      REQUIRE_FALSE(died.has_value());
      REQUIRE(HttpClient(yard.daemon.port()).get("/healthz").status == 200);
    }
  }
  CHECK(yard.snapshot() == before);
}

TEST_CASE("an id with a NUL byte in the path does not reach the device named before it") {
  Yard yard;
  // The id segment decodes to "dev-a\0"; it names no device. Revoking it must not revoke dev-a.
  auto r = yard.admin.del("/v1/admin/devices/dev-a%00");
  CHECK(r.status >= 400);
  CHECK(r.status < 500);
  CHECK(yard.phone_a.post(yard.phone_a.request()).status == 200);
  auto restore = yard.admin.post("/v1/admin/records/x%00/restore", {{"audit_id", 1}});
  CHECK(restore.status == 404);
}

TEST_CASE("a refused request with an unread body leaves the keep-alive connection usable") {
  Yard yard;
  HttpClient& a = yard.phone_a.http();
  const std::string valid = validRequest(yard.phone_a).dump();

  // Each refusal below is sent before the handler reads the body; the next request on the
  // same connection must get its own, correct answer.
  HttpRequest wrong_type = syncPost(valid, yard.phone_a.device().token);
  wrong_type.content_type = "text/plain";
  HttpRequest no_token = syncPost(valid, "");
  no_token.headers.push_back({"Authorization", "Bearer nope"});
  HttpRequest unknown = syncPost(valid, yard.phone_a.device().token);
  unknown.path = "/v1/unknown";
  for (const auto& refused : {wrong_type, no_token, unknown}) {
    INFO(refused.path << " " << refused.content_type);
    auto first = a.request(refused);
    CHECK(first.status >= 400);
    auto next = a.post("/v1/sync", yard.phone_a.request());
    CHECK(next.status == 200);
    CHECK(next.isJson());
  }
}

TEST_CASE("a request hidden in the unread body of a refused request is never served") {
  Yard yard;
  // The body of a request refused before its body is read (no token: 401) is itself a request.
  // Served as one, it would be HTTP request smuggling behind any proxy that pools connections.
  const std::string hidden = "GET /healthz HTTP/1.1\r\nHost: yard\r\n\r\n";
  const std::string refused =
      "POST /v1/sync HTTP/1.1\r\nHost: yard\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(hidden.size()) + "\r\n\r\n" + hidden;
  Poco::Net::StreamSocket socket(
      Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(yard.daemon.port())));
  socket.sendBytes(refused.data(), static_cast<int>(refused.size()));

  // Read whatever the daemon sends until it closes the connection or stays quiet for 500 ms.
  std::string received;
  socket.setReceiveTimeout(Poco::Timespan(0, 500 * 1000));
  char buffer[4096];
  for (;;) {
    int n = 0;
    try {
      n = socket.receiveBytes(buffer, sizeof buffer);
    } catch (const Poco::TimeoutException&) {
      break;
    }
    if (n <= 0) break;
    received.append(buffer, static_cast<size_t>(n));
  }
  INFO(received);
  CHECK(received.rfind("HTTP/1.1 401", 0) == 0);
  size_t responses = 0;
  for (size_t at = received.find("HTTP/1.1 "); at != std::string::npos;
       at = received.find("HTTP/1.1 ", at + 1))
    ++responses;
  CHECK(responses == 1);
}

TEST_CASE("error status lines carry their own reason phrase") {
  Yard yard;
  auto r = yard.admin.get("/v1/nothing");
  REQUIRE(r.status == 404);
  CHECK(r.reason == "Not Found");
  auto unauthorized = HttpClient(yard.daemon.port()).get("/v1/admin/devices");
  REQUIRE(unauthorized.status == 401);
  CHECK(unauthorized.reason == "Unauthorized");
}

TEST_CASE("deeply nested JSON is refused or stored, never a crash") {
  // The default request limit (8 MiB) leaves room for millions of nesting levels; 100,000
  // levels are 200 KB.
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient phone(daemon.port(), enrollDevice(admin, "dev-a", "yard-a", "op-1"));
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');

  // In a body field of type object (accepted path) and of type string (rejected path), and as
  // an unknown top-level field (refused while parsing the envelope).
  for (const std::string field : {"checklist", "notes", ""}) {
    INFO("nested in " << (field.empty() ? "the envelope" : field));
    Json request = phone.request({createWrite("inspection", inspectionBody("DEEP0001"))});
    std::string raw = request.dump();
    if (field.empty()) {
      raw.insert(raw.size() - 1, ",\"deep\":" + deep);
    } else {
      const std::string marker = "\"equipment_id\":\"DEEP0001\"";
      raw.insert(raw.find(marker) + marker.size(), ",\"" + field + "\":" + deep);
    }
    try {
      auto r = phone.http().request(syncPost(raw, phone.device().token));
      CHECK(r.status < 500);
    } catch (const std::exception& e) {
      FAIL_CHECK("no answer: " << e.what());
    }
    const auto died = daemon.waitForExit(std::chrono::milliseconds(300));
    INFO("exit code " << died.value_or(0) << " (139: SIGSEGV); log:\n" << daemon.lastRunLog());
    REQUIRE_FALSE(died.has_value());
    CHECK(HttpClient(daemon.port()).get("/healthz").status == 200);
  }
}

namespace {

std::string gzipped(const std::string& text) {
  std::ostringstream out;
  Poco::DeflatingOutputStream z(out, Poco::DeflatingStreamBuf::STREAM_GZIP);
  z << text;
  z.close();
  return out.str();
}

HttpRequest encodedPost(const std::string& raw, const std::string& token,
                        const std::string& encoding) {
  HttpRequest req = syncPost(raw, token);
  req.headers.push_back({"Content-Encoding", encoding});
  return req;
}

}  // namespace

TEST_CASE(
    "gzip'd bodies: applied when whole; corrupt, unknown or inflating past the limit refused") {
  Yard yard;
  const std::string token = yard.phone_a.device().token;
  const int port = yard.daemon.port();

  // Whole: applied as if sent plain (upstream transports send this over a WAN).
  const Json good = yard.phone_a.request({createWrite("inspection", inspectionBody("GZIP0001"))});
  auto applied = onNewConnection(port, encodedPost(gzipped(good.dump()), token, "gzip"));
  REQUIRE(applied.status == 200);
  CHECK(onlyResult(applied.json).at("status") == "accepted");

  const Json before = yard.snapshot();
  // Cut short: the inflater runs out of input.
  std::string cut = gzipped(validRequest(yard.phone_a).dump());
  cut.resize(cut.size() / 2);
  checkError(onNewConnection(port, encodedPost(cut, token, "gzip")), 400, "bad_request");
  // Not gzip at all.
  checkError(onNewConnection(port, encodedPost(validRequest(yard.phone_a).dump(), token, "gzip")),
             400, "bad_request");
  // An encoding the node does not speak.
  checkError(onNewConnection(port, encodedPost(validRequest(yard.phone_a).dump(), token, "br")),
             415, "unsupported_media_type");
  // A few hundred bytes that inflate past max_request_bytes: the limit counts inflated bytes.
  Json bomb = validRequest(yard.phone_a);
  bomb["writes"][0]["body"]["notes"] = std::string(kMaxRequestBytes * 50, 'x');
  const std::string packed = gzipped(bomb.dump());
  REQUIRE(packed.size() < static_cast<size_t>(kMaxRequestBytes));
  checkError(onNewConnection(port, encodedPost(packed, token, "gzip")), 413, "too_large");
  CHECK(yard.snapshot() == before);
}
