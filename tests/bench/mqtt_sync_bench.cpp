// Sync round trips per second over MQTT (issue 5, Performance): N devices (default 100), each
// with its own MQTT connection, each sending its next sync request (batch of 10 new records,
// pull limit 1) as soon as the previous one is answered; beside it, on the same broker in the
// same run, the raw limit: the same devices and payloads against an echo client that answers
// every request at once (QoS 1 publish round trips through Mosquitto, no gateway work at all).
// Goal: MQTT sync round trips >= 50% of raw echo round trips. Then, for scale, the same requests
// over HTTP: what the sync engine itself sustains.
//
// The echo client logs in as the gateway's broker user and answers on the same topics the
// gateway uses, so both phases take exactly the same path through the broker and our auth
// plugin (ACL checks included). The echo phase runs first, with the daemon's MQTT channel off;
// the daemon is then restarted with it on.

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "bench_args.h"
#include "bench_report.h"
#include "harness/daemon_process.h"
#include "harness/mosquitto_broker.h"
#include "harness/phone_client.h"
#include "harness/sync_client.h"
#include "record_factory.h"

namespace yard::bench {
namespace {

using Clock = std::chrono::steady_clock;
using it::Json;
using mqtt_test::PhoneClient;

const char* const kUsage =
    "mqtt_sync_bench [--small] [--runs N] [--devices 100] [--batch 10] [--seconds 10]\n"
    "  --devices  concurrent devices (one MQTT connection and thread each)\n"
    "  --batch    new records per sync request\n"
    "  --seconds  length of each phase (echo, sync) per run";

const std::string kSite = "yard-bench";
const std::string kGatewayUser = "yard-gateway";

std::string topic(const std::string& device, const std::string& leaf) {
  return "yard/v1/" + kSite + "/dev/" + device + "/" + leaf;
}

// Answers every request with its own payload on the device's sync/resp: a gateway that does no
// work. libmosquitto's own thread, publishing from its message callback.
class EchoGateway {
 public:
  EchoGateway(int port, const std::string& password) {
    mosq_ = mosquitto_new("bench-echo", true, this);
    mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_username_pw_set(mosq_, kGatewayUser.c_str(), password.c_str());
    mosquitto_message_v5_callback_set(mosq_, [](mosquitto* m, void*, const mosquitto_message* msg,
                                                const mosquitto_property*) {
      std::string t = msg->topic;
      t.replace(t.size() - 3, 3, "resp");  // .../sync/req -> .../sync/resp
      mosquitto_publish_v5(m, nullptr, t.c_str(), msg->payloadlen, msg->payload, 1, false, nullptr);
    });
    if (mosquitto_connect(mosq_, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS)
      throw std::runtime_error("echo client cannot connect");
    mosquitto_subscribe(mosq_, nullptr, ("yard/v1/" + kSite + "/dev/+/sync/req").c_str(), 1);
    mosquitto_loop_start(mosq_);
  }
  ~EchoGateway() {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, true);
    mosquitto_destroy(mosq_);
  }

 private:
  mosquitto* mosq_;
};

struct Phase {
  double round_trips_per_s = 0;
  int64_t problems = 0;  // timeouts, errors, writes not accepted
  Samples latency_ms;
};

// Every device sends, waits for its answer, sends again, for `seconds`.
// One device's sync request: batch fresh records, the cursor it holds (none: from the start),
// a pull limit of 1 (the phases measure writes, not the change feed).
Json syncRequest(const std::string& device, const std::string& cursor, RecordFactory& factory,
                 const Author& author, int batch) {
  Json request{{"device", device}, {"limit", 1}, {"writes", Json::array()}};
  request["cursor"] = cursor.empty() ? Json(nullptr) : Json(cursor);
  for (int w = 0; w < batch; ++w)
    request["writes"].push_back(RecordFactory::phoneWrite(factory.fresh(author)));
  return request;
}

// A phase's figures once its threads (started just before `start`) have joined.
Phase summarize(int64_t trips, int64_t problems, const std::vector<Samples>& latencies,
                Clock::time_point start) {
  Phase out;
  out.round_trips_per_s =
      static_cast<double>(trips) / std::chrono::duration<double>(Clock::now() - start).count();
  out.problems = problems;
  for (const auto& s : latencies)
    if (!s.empty()) out.latency_ms.add(s.median());  // each device's median
  return out;
}

Phase runPhase(int port, const std::vector<it::Enrolment>& devices, int batch, int seconds,
               bool check_results) {
  std::vector<std::unique_ptr<PhoneClient>> phones;
  for (const auto& d : devices) {
    phones.push_back(std::make_unique<PhoneClient>("bench-" + d.id, PhoneClient::Protocol::kV5));
    if (phones.back()->connect(port, d.id, d.token) != 0 ||
        phones.back()->subscribe(topic(d.id, "sync/resp")) != 1)
      throw std::runtime_error("device " + d.id + " cannot connect/subscribe");
  }
  std::atomic<int64_t> trips{0}, problems{0};
  std::vector<Samples> latencies(devices.size());
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < devices.size(); ++i) {
    threads.emplace_back([&, i] {
      RecordFactory factory(kSite, 1000 + i);
      const Author author{devices[i].id, devices[i].operator_id, ""};
      std::string cursor;
      while (Clock::now() < end) {
        const Json request = syncRequest(devices[i].id, cursor, factory, author, batch);
        const auto sent = Clock::now();
        phones[i]->publishAsync(topic(devices[i].id, "sync/req"), request.dump());
        auto answer = phones[i]->next(topic(devices[i].id, "sync/resp"), std::chrono::seconds(30));
        if (!answer) {
          ++problems;
          continue;
        }
        latencies[i].add(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
        ++trips;
        if (!check_results) continue;
        Json body = Json::parse(answer->payload, nullptr, false);
        if (!body.is_object() || !body.contains("results")) {
          ++problems;
          continue;
        }
        for (const auto& r : body["results"]) problems += r.value("status", "") != "accepted";
        cursor = body.value("cursor", cursor);
      }
    });
  }
  const auto start = Clock::now();
  for (auto& t : threads) t.join();
  return summarize(trips, problems, latencies, start);
}

// The same requests over HTTP (one keep-alive connection per device): what the sync engine
// itself sustains, so the MQTT channel's own cost shows.
Phase runHttpPhase(int port, const std::vector<it::Enrolment>& devices, int batch, int seconds) {
  std::atomic<int64_t> trips{0}, problems{0};
  std::vector<Samples> latencies(devices.size());
  const auto end = Clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < devices.size(); ++i) {
    threads.emplace_back([&, i] {
      it::SyncClient client(port, devices[i]);
      RecordFactory factory(kSite, 5000 + i);
      const Author author{devices[i].id, devices[i].operator_id, ""};
      std::string cursor;
      while (Clock::now() < end) {
        const Json request = syncRequest(devices[i].id, cursor, factory, author, batch);
        const auto sent = Clock::now();
        auto response = client.post(request);
        if (response.status != 200) {
          ++problems;
          continue;
        }
        latencies[i].add(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
        ++trips;
        for (const auto& r : response.json["results"])
          problems += r.value("status", "") != "accepted";
        cursor = response.json.value("cursor", cursor);
      }
    });
  }
  const auto start = Clock::now();
  for (auto& t : threads) t.join();
  return summarize(trips, problems, latencies, start);
}

int runBench(int argc, char** argv) {
  BenchArgs args(argc, argv, kUsage);
  const int runs = args.runs(3, 1);
  const int devices = static_cast<int>(args.integer("devices", 100, 10));
  const int batch = static_cast<int>(args.integer("batch", 10, 10));
  const int seconds = static_cast<int>(args.integer("seconds", 10, 2));
  args.finish();
  if (devices < 1 || batch < 1 || seconds < 1 || runs < 1) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  printHeader(std::cout, "mqtt_sync_bench", args.small(), runs);
  std::cout << devices << " devices (MQTT 5, QoS 1), " << batch
            << " new records per sync request, pull limit 1, " << seconds << " s per phase\n\n";

  Table table({"run", "raw echo round trips/s", "sync round trips/s", "ratio", "writes/s",
               "echo median ms", "sync median ms", "HTTP sync round trips/s", "MQTT/HTTP",
               "problems echo/mqtt/http"});
  Samples ratio;
  int64_t problems = 0;
  for (int run = 1; run <= runs; ++run) {
    mqtt_test::MosquittoBroker broker;
    const std::string password_file = broker.dir() + "/gateway.password";
    const std::string password = "bench-gateway-secret";
    std::ofstream(password_file) << password << "\n";
    it::DaemonConfig config;
    config.node_id = "gw-bench";
    config.site = kSite;
    it::DaemonProcess daemon(config);
    daemon.start();
    broker.start({daemon.dataDir() + "/yard.db", kSite, kGatewayUser, password_file});
    auto admin = it::adminClient(daemon);
    std::vector<it::Enrolment> enrolled;
    for (int d = 0; d < devices; ++d)
      enrolled.push_back(
          it::enrollDevice(admin, "dev-" + std::to_string(d), kSite, "op-" + std::to_string(d)));

    Phase echo;
    {
      EchoGateway gateway(broker.port(), password);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // its SUBACK
      echo = runPhase(broker.port(), enrolled, batch, seconds, false);
    }

    daemon.terminate();
    daemon.config().settings = {{"mqtt.enabled", "true"},
                                {"mqtt.port", std::to_string(broker.port())},
                                {"mqtt.username", kGatewayUser},
                                {"mqtt.password_file", password_file}};
    daemon.start();
    admin.setPort(daemon.port());
    for (int i = 0; i < 200; ++i) {
      auto status = admin.get("/v1/status");
      if (status.status == 200 && status.json["mqtt"].value("connected", false)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Phase sync = runPhase(broker.port(), enrolled, batch, seconds, true);
    Phase http = runHttpPhase(daemon.port(), enrolled, batch, seconds);

    const double r = sync.round_trips_per_s / echo.round_trips_per_s;
    ratio.add(r);
    problems += echo.problems + sync.problems + http.problems;
    table.add({std::to_string(run), fixed(echo.round_trips_per_s, 0),
               fixed(sync.round_trips_per_s, 0), fixed(r, 2),
               fixed(sync.round_trips_per_s * batch, 0), fixed(echo.latency_ms.median(), 1),
               fixed(sync.latency_ms.median(), 1), fixed(http.round_trips_per_s, 0),
               fixed(sync.round_trips_per_s / http.round_trips_per_s, 2),
               std::to_string(echo.problems) + "/" + std::to_string(sync.problems) + "/" +
                   std::to_string(http.problems)});
  }
  table.print(std::cout);
  printGoal(std::cout, "MQTT sync round trips/s vs raw Mosquitto QoS 1 echo round trips/s",
            fixed(ratio.median(), 2) + "x", ">= 0.50x", ratio.median() >= 0.5);
  std::cout << "load average at end: " << loadAverage() << "\n";
  if (problems > 0)
    std::cout << "PROBLEMS: " << problems
              << " round trips timed out or writes were not accepted (figures are suspect)\n";
  return 0;
}

}  // namespace
}  // namespace yard::bench

int main(int argc, char** argv) { return yard::bench::runBench(argc, argv); }
