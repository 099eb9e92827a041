#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/daemon_process.h"
#include "harness/http_client.h"

namespace yard::it {

// A random RFC 4122 version 4 UUID (lowercase), for record ids and write ids.
std::string newUuid();

// A client of the admin API, with the daemon's admin token.
HttpClient adminClient(const DaemonProcess& daemon);

struct Enrolment {
  std::string id;
  std::string site;
  std::string operator_id;
  std::string token;
};

// POST /v1/admin/devices; throws std::runtime_error unless the daemon answers 201.
Enrolment enrollDevice(HttpClient& admin, const std::string& id, const std::string& site,
                       const std::string& operator_id, bool node = false);

// GET /v1/admin/conflicts (newest first); throws unless 200.
Json listConflicts(HttpClient& admin);

// Write builders (DESIGN §4). Every call makes a fresh write_id.
// A new record (base null) of type with body; id is a new UUID unless given.
Json createWrite(const std::string& type, Json body, std::string id = "");
// An edit of record (a canonical record as the gateway sent it): base is its stamp.
Json editWrite(const Json& record, Json body);
// The body of an inspection in status, for equipment.
Json inspectionBody(const std::string& equipment_id, const std::string& status = "open");
// An attachment reference (the file itself is never uploaded by these tests).
Json attachmentRef(const std::string& name = "photo.jpg");

// One phone (or node client) syncing with the daemon over HTTP as its enrolled device.
class SyncClient {
 public:
  SyncClient(int port, Enrolment device);

  // POST /v1/sync with request as is (the caller checks the status).
  HttpResponse post(const Json& request);
  // A sync request of this device; throws std::runtime_error unless the daemon answers 200.
  Json sync(std::vector<Json> writes = {}, std::vector<std::string> inbox_ack = {},
            std::optional<std::string> cursor = std::nullopt, int limit = 500);
  // Every change visible to this device from a null cursor, paging by limit, in order.
  std::vector<Json> pullAll(int limit = 1000);
  // The request sync() sends, for tests that change one field of it.
  Json request(std::vector<Json> writes = {}, std::vector<std::string> inbox_ack = {},
               std::optional<std::string> cursor = std::nullopt, int limit = 500) const;

  const Enrolment& device() const { return device_; }
  HttpClient& http() { return http_; }

 private:
  Enrolment device_;
  HttpClient http_;
};

// The single result of a one-write sync response; throws unless there is exactly one.
const Json& onlyResult(const Json& response);

}  // namespace yard::it
