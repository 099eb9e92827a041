#include "harness/sync_client.h"

#include <mutex>
#include <random>
#include <stdexcept>

#include "core/iso_time.h"
#include "core/uuid.h"

namespace yard::it {

std::string newUuid() {
  static std::mutex mu;
  static std::mt19937_64 random{std::random_device{}()};
  uint64_t hi = 0, lo = 0;
  {
    std::lock_guard lock(mu);
    hi = random();
    lo = random();
  }
  return core::formatUuidV4(hi, lo);
}

HttpClient adminClient(const DaemonProcess& daemon) {
  HttpClient admin(daemon.port());
  admin.setToken(daemon.adminToken());
  return admin;
}

Enrolment enrollDevice(HttpClient& admin, const std::string& id, const std::string& site,
                       const std::string& operator_id, bool node) {
  Json body{{"id", id}, {"site", site}, {"node", node}};
  if (!operator_id.empty()) body["operator"] = operator_id;
  auto response = admin.post("/v1/admin/devices", body);
  if (response.status != 201 || !response.isJson() || !response.json.contains("token"))
    throw std::runtime_error("enrolling " + id + ": " + response.describe());
  return Enrolment{id, site, operator_id, response.json["token"].get<std::string>()};
}

Json listConflicts(HttpClient& admin) {
  auto response = admin.get("/v1/admin/conflicts");
  if (response.status != 200 || !response.json.is_array())
    throw std::runtime_error("GET /v1/admin/conflicts: " + response.describe());
  return response.json;
}

Json createWrite(const std::string& type, Json body, std::string id) {
  return Json{{"write_id", newUuid()},
              {"id", id.empty() ? newUuid() : std::move(id)},
              {"type", type},
              {"base", nullptr},
              {"deleted", false},
              {"body", std::move(body)},
              {"attachments", Json::array()},
              {"client_time", core::isoUtcNow()}};
}

Json editWrite(const Json& record, Json body) {
  return Json{{"write_id", newUuid()},
              {"id", record.at("id")},
              {"type", record.at("type")},
              {"base", record.at("stamp")},
              {"deleted", false},
              {"body", std::move(body)},
              {"attachments", record.value("attachments", Json::array())},
              {"client_time", core::isoUtcNow()}};
}

Json inspectionBody(const std::string& equipment_id, const std::string& status) {
  return Json{{"status", status}, {"equipment_id", equipment_id}};
}

Json attachmentRef(const std::string& name) {
  return Json{
      {"sha256", std::string(64, 'a')}, {"size", 1234}, {"mime", "image/jpeg"}, {"name", name}};
}

SyncClient::SyncClient(int port, Enrolment device) : device_(std::move(device)), http_(port) {
  http_.setToken(device_.token);
}

Json SyncClient::request(std::vector<Json> writes, std::vector<std::string> inbox_ack,
                         std::optional<std::string> cursor, int limit) const {
  return Json{{"device", device_.id},
              {"cursor", cursor ? Json(*cursor) : Json(nullptr)},
              {"limit", limit},
              {"writes", std::move(writes)},
              {"inbox_ack", std::move(inbox_ack)}};
}

HttpResponse SyncClient::post(const Json& request) { return http_.post("/v1/sync", request); }

Json SyncClient::sync(std::vector<Json> writes, std::vector<std::string> inbox_ack,
                      std::optional<std::string> cursor, int limit) {
  auto response = post(request(std::move(writes), std::move(inbox_ack), std::move(cursor), limit));
  if (response.status != 200 || !response.json.is_object())
    throw std::runtime_error("sync as " + device_.id + ": " + response.describe());
  return response.json;
}

std::vector<Json> SyncClient::pullAll(int limit) {
  std::vector<Json> records;
  std::optional<std::string> cursor;
  for (int page = 0; page < 100000; ++page) {
    Json response = sync({}, {}, cursor, limit);
    for (auto& record : response.at("changes")) records.push_back(std::move(record));
    cursor = response.at("cursor").get<std::string>();
    if (!response.at("more").get<bool>()) return records;
  }
  throw std::runtime_error("pullAll: the change feed never ended");
}

const Json& onlyResult(const Json& response) {
  const Json& results = response.at("results");
  if (results.size() != 1)
    throw std::runtime_error("expected exactly one result: " + response.dump());
  return results[0];
}

}  // namespace yard::it
