#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace yard::core {

using Json = nlohmann::json;

struct Attachment {
  std::string sha256;  // lowercase hex
  int64_t size = 0;
  std::string mime;
  std::string name;
  bool operator==(const Attachment&) const = default;
};

// Who produced a version: the device and operator that wrote it, and the first trusted node
// that stamped it.
struct Origin {
  std::string device;
  std::string operator_id;
  std::string node;
  bool operator==(const Origin&) const = default;
};

// One version of a record (DESIGN §3). The canonical record of an id is the version with the
// greatest stamp.
struct Record {
  std::string id;
  std::string type;
  std::string site;
  Json body = Json::object();
  std::vector<Attachment> attachments;
  bool deleted = false;
  std::vector<std::string> assigned_to;
  std::string stamp;
  Origin origin;
  std::string client_time;  // the phone's clock at the edit: display only, never ordering
  // The write that produced this version. Lets a node audit an overwritten version under its
  // own write id (one audit row per write) and answer retransmissions.
  std::string write_id;
  // The stamp the author edited from (empty: created it). Tells a node that adopts this version
  // from upstream whether it replaced the local version knowingly or raced it.
  std::string base;

  // True when the two versions carry the same content (stamps and origins aside).
  bool sameContent(const Record& other) const;
};

Json toJson(const Record& record);
// The same text as toJson(record).dump(), written without building a JSON tree: the writer
// thread stores every accepted version, and building then dumping a tree was a quarter of its
// time. body_json, when given, is record.body already dumped (by a request thread).
std::string toJsonText(const Record& record, std::string_view body_json = {});
Json toJson(const Attachment& attachment);

// Parses a record as stored or as sent by a trusted node. Strict: wrong types are errors.
Result<Record> recordFromJson(const Json& json);
Result<std::vector<Attachment>> attachmentsFromJson(const Json& json);

// Record and operator ids, device ids, site ids: 1-128 chars of [A-Za-z0-9._:@-]. Keeps ids
// safe to show in logs, URLs and MQTT topics.
inline constexpr size_t kMaxIdLength = 128;
bool isValidId(std::string_view id);
bool isValidSha256(std::string_view hex);

}  // namespace yard::core
