// Stopping and refusing to start (DESIGN §8): SIGTERM drains requests in flight and exits 0
// with everything acknowledged on disk; a bad config or a missing plugin stops start-up with a
// message that names the problem.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <catch2/catch.hpp>

#include <sstream>
#include <thread>

#include "harness/batch_sender.h"
#include "harness/daemon_process.h"
#include "harness/socket_probe.h"
#include "harness/sync_client.h"

using namespace yard::it;

namespace {

using Clock = std::chrono::steady_clock;

// Polls until the daemon's log contains text (true) or timeout passes (false).
bool waitForLog(const DaemonProcess& daemon, const std::string& text,
                std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (daemon.logText().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Runs the daemon on a config it must refuse; checks it exits non-zero, says what, and never
// serves.
void checkRefused(DaemonProcess& daemon, const std::vector<std::string>& must_mention) {
  const int code = daemon.runUntilExit();
  const std::string log = daemon.lastRunLog();
  INFO("exit code " << code << ", log:\n" << log);
  CHECK(code != 0);
  for (const auto& word : must_mention) CHECK(log.find(word) != std::string::npos);
  CHECK(log.find("[app] ready") == std::string::npos);
}

}  // namespace

TEST_CASE("SIGTERM while a request is in flight: it completes, the daemon exits 0") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient phone(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));
  const auto writes = newInspections(50, "TERM");
  const std::string body = phone.request(writes).dump();

  // Send the headers and half of the body.
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(daemon.port()));
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request("POST", "/v1/sync", Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Authorization", "Bearer " + phone.device().token);
  request.setContentType("application/json");
  request.setContentLength64(static_cast<Poco::Int64>(body.size()));
  std::ostream& out = session.sendRequest(request);
  const size_t half = body.size() / 2;
  out.write(body.data(), static_cast<std::streamsize>(half));
  out.flush();
  // Once the daemon has read all of that, its handler is running and waiting for the rest.
  REQUIRE(waitUntilServerHasRead(session.socket().address().port(), daemon.port(),
                                 std::chrono::seconds(10)));

  daemon.sendTerminate();
  REQUIRE(waitForLog(daemon, "[app] stopping", std::chrono::seconds(10)));
  out.write(body.data() + half, static_cast<std::streamsize>(body.size() - half));
  out.flush();

  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  std::ostringstream text;
  Poco::StreamCopier::copyStream(in, text);
  INFO(text.str());
  REQUIRE(response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK);
  const Json answer = Json::parse(text.str());
  std::map<std::string, std::string> acked;
  for (const auto& r : answer.at("results")) {
    CHECK(r.at("status") == "accepted");
    acked[r.at("id")] = r.at("record").at("stamp");
  }
  CHECK(acked.size() == writes.size());

  auto code = daemon.waitForExit(std::chrono::seconds(30));
  REQUIRE(code.has_value());
  CHECK(*code == 0);

  daemon.restart();
  phone.http().setPort(daemon.port());
  CHECK(storedStamps(phone) == acked);
}

TEST_CASE("SIGTERM under load: exit 0, every acknowledged batch is there, none is partial") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  const Enrolment observer_device = enrollDevice(admin, "observer", "yard-a", "", true);
  std::vector<std::unique_ptr<BatchSender>> senders;
  for (int i = 0; i < 3; ++i)
    senders.push_back(std::make_unique<BatchSender>(
        daemon.port(),
        enrollDevice(admin, "dev-" + std::to_string(i), "yard-a", "op-" + std::to_string(i)),
        10 + 5 * i));

  auto total = [&] {
    int n = 0;
    for (const auto& s : senders) n += s->acked();
    return n;
  };
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (total() < 6 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(total() >= 6);

  daemon.sendTerminate();
  auto code = daemon.waitForExit(std::chrono::seconds(30));
  REQUIRE(code.has_value());
  CHECK(*code == 0);

  std::vector<SentBatch> all;
  for (auto& s : senders) {
    s->stop();
    all.insert(all.end(), s->batches().begin(), s->batches().end());
  }
  // An answer during shutdown is 200 (finished) or 503 (refused, nothing applied).
  for (const auto& batch : all) {
    INFO(batch.answer);
    if (batch.status != 0) CHECK((batch.status == 200 || batch.status == 503));
  }

  daemon.restart();
  SyncClient observer(daemon.port(), observer_device);
  const auto violations = batchViolations(all, storedStamps(observer));
  for (const auto& v : violations) FAIL_CHECK(v);
  CHECK(violations.empty());
}

TEST_CASE("an idle keep-alive connection does not hold up SIGTERM") {
  DaemonConfig config;
  config.settings["http.keepalive_s"] = "60";
  DaemonProcess daemon(config);
  daemon.start();
  HttpClient idle(daemon.port());
  REQUIRE(idle.get("/healthz").status == 200);  // the connection stays open, idle

  const auto started = Clock::now();
  CHECK(daemon.terminate() == 0);
  CHECK(Clock::now() - started < std::chrono::seconds(5));
}

TEST_CASE("config errors stop start-up with a message naming the key") {
  SECTION("unknown key") {
    DaemonProcess daemon;
    daemon.config().extra_ini = "[http]\nlisten_backlog = 64\n";
    checkRefused(daemon, {"listen_backlog"});
  }
  SECTION("unknown section") {
    DaemonProcess daemon;
    daemon.config().extra_ini = "[gateway]\nid = gw-1\n";
    checkRefused(daemon, {"gateway"});
  }
  SECTION("bad number") {
    DaemonProcess daemon;
    daemon.config().settings["http.max_request_bytes"] = "lots";
    checkRefused(daemon, {"max_request_bytes"});
  }
  SECTION("bad choice") {
    DaemonProcess daemon;
    daemon.config().settings["node.role"] = "boss";
    checkRefused(daemon, {"role"});
  }
  SECTION("bad listen address") {
    DaemonProcess daemon;
    daemon.config().settings["http.listen"] = "localhost";
    checkRefused(daemon, {"listen"});
  }
  SECTION("bad node id") {
    DaemonProcess daemon;
    daemon.config().node_id = "gw 1/..";
    checkRefused(daemon, {"id"});
  }
  SECTION("a key the storage plugin does not declare") {
    DaemonProcess daemon;
    daemon.config().settings["storage.journal"] = "off";
    checkRefused(daemon, {"journal"});
  }
}

TEST_CASE("a storage plugin that does not exist stops start-up with a clear message") {
  DaemonProcess daemon;
  daemon.config().settings["storage.plugin"] = "nosuchstore";
  checkRefused(daemon, {"nosuchstore"});
}

TEST_CASE("a data dir that belongs to another node id is refused") {
  DaemonProcess daemon;
  daemon.start();
  REQUIRE(daemon.terminate() == 0);
  daemon.config().node_id = "gw-other";
  checkRefused(daemon, {"gw-it", "gw-other"});
}
