#include "sync/sync_request.h"

#include <charconv>
#include <initializer_list>
#include <string_view>

#include "core/stamp.h"

namespace yard::sync {
namespace {

using core::Json;

Status checkKnownFields(const Json& object, std::initializer_list<std::string_view> known,
                        const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (auto k : known) found = found || key == k;
    if (!found) return Status::invalid(where + "unknown field '" + key + "'");
  }
  return Status::ok();
}

// Reads an optional string field: absent or null leaves out untouched.
Status optionalString(const Json& object, const char* key, const std::string& where,
                      std::string& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Status::ok();
  if (!it->is_string()) return Status::invalid(where + key + " must be a string");
  out = it->get<std::string>();
  return Status::ok();
}

Status requiredId(const Json& object, const char* key, const std::string& where, std::string& out) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string())
    return Status::invalid(where + key + " is required and must be a string");
  out = it->get<std::string>();
  if (!core::isValidId(out))
    return Status::invalid(where + key + " must be 1-128 characters of A-Z a-z 0-9 . _ : @ -");
  return Status::ok();
}

Result<std::vector<std::string>> idList(const Json& value, const std::string& what) {
  if (!value.is_array()) return Status::invalid(what + " must be an array of ids");
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string() || !core::isValidId(item.get<std::string>()))
      return Status::invalid(what + " must be an array of ids");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Status parseOrigin(const Json& json, const std::string& where, core::Origin& out) {
  if (!json.is_object()) return Status::invalid(where + "origin must be an object");
  if (auto s = checkKnownFields(json, {"device", "operator", "node"}, where + "origin: ");
      !s.isOk())
    return s;
  if (auto s = optionalString(json, "device", where + "origin.", out.device); !s.isOk()) return s;
  if (auto s = optionalString(json, "operator", where + "origin.", out.operator_id); !s.isOk())
    return s;
  return optionalString(json, "node", where + "origin.", out.node);
}

Result<WriteRequest> parseWrite(Json& json, size_t index, const Caller& caller) {
  const std::string where = "writes[" + std::to_string(index) + "].";
  if (!json.is_object())
    return Status::invalid("writes[" + std::to_string(index) + "] must be an object");
  if (auto s = checkKnownFields(json,
                                {"write_id", "id", "type", "site", "base", "deleted", "body",
                                 "attachments", "assigned_to", "client_time", "stamp", "origin"},
                                where);
      !s.isOk())
    return s;

  WriteRequest w;
  core::Record& v = w.version;
  if (auto s = requiredId(json, "write_id", where, w.write_id); !s.isOk()) return s;
  if (auto s = requiredId(json, "id", where, v.id); !s.isOk()) return s;
  auto type = json.find("type");
  if (type == json.end() || !type->is_string())
    return Status::invalid(where + "type is required and must be a string");
  v.type = type->get<std::string>();
  v.site = caller.site;
  if (auto s = optionalString(json, "site", where, v.site); !s.isOk()) return s;
  if (auto it = json.find("base"); it != json.end() && !it->is_null()) {
    if (!it->is_string() || !core::Stamp::parse(it->get<std::string>()))
      return Status::invalid(where + "base must be a stamp or null");
    w.base = it->get<std::string>();
  }
  if (auto it = json.find("deleted"); it != json.end() && !it->is_null()) {
    if (!it->is_boolean()) return Status::invalid(where + "deleted must be true or false");
    v.deleted = it->get<bool>();
  }
  if (auto it = json.find("body"); it != json.end() && !it->is_null()) {
    if (!it->is_object()) return Status::invalid(where + "body must be an object");
    v.body = std::move(*it);
  }
  w.body_text = v.body.dump();
  if (auto it = json.find("attachments"); it != json.end() && !it->is_null()) {
    auto attachments = core::attachmentsFromJson(*it);
    if (!attachments.isOk()) return Status::invalid(where + attachments.status().message());
    v.attachments = std::move(attachments.value());
  }
  if (auto it = json.find("assigned_to"); it != json.end() && !it->is_null()) {
    auto ids = idList(*it, where + "assigned_to");
    if (!ids.isOk()) return ids.status();
    v.assigned_to = std::move(ids.value());
    w.has_assigned_to = true;
  }
  if (auto s = optionalString(json, "client_time", where, v.client_time); !s.isOk()) return s;
  if (v.client_time.size() > 64) return Status::invalid(where + "client_time is too long");

  // A phone's stamp and origin are ignored (DESIGN §4): the node stamps it and names the
  // authenticated device as its author.
  v.origin = core::Origin{caller.device, caller.operator_id, ""};
  if (caller.node) {
    std::string stamp;
    if (auto s = optionalString(json, "stamp", where, stamp); !s.isOk()) return s;
    if (!stamp.empty()) {
      auto parsed = core::Stamp::parse(stamp);
      if (!parsed) return Status::invalid(where + "stamp is not a valid stamp");
      v.stamp = stamp;
      v.origin.node = parsed->node;
      v.origin.operator_id.clear();
    }
    if (auto it = json.find("origin"); it != json.end() && !it->is_null()) {
      if (auto s = parseOrigin(*it, where, v.origin); !s.isOk()) return s;
    }
  }
  return w;
}

}  // namespace

std::string encodeCursor(int64_t seq) { return std::to_string(seq); }

std::optional<int64_t> decodeCursor(const std::string& cursor) {
  if (cursor.empty() || cursor.size() > 19) return std::nullopt;
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), out);
  if (ec != std::errc() || ptr != cursor.data() + cursor.size() || out < 0) return std::nullopt;
  return out;
}

Result<SyncRequest> parseSyncRequest(Json json, const Caller& caller) {
  if (!json.is_object()) return Status::invalid("the request must be a JSON object");
  if (auto s = checkKnownFields(
          json,
          {"device", "cursor", "limit", "writes", "inbox_ack", "pending", "brief", "in_flight"},
          "");
      !s.isOk())
    return s;
  SyncRequest req;
  if (auto s = requiredId(json, "device", "", req.device); !s.isOk()) return s;

  if (auto it = json.find("cursor"); it != json.end() && !it->is_null()) {
    if (!it->is_string()) return Status::invalid("cursor must be a string or null");
    auto seq = decodeCursor(it->get<std::string>());
    if (!seq) return Status::invalid("cursor is not one this node issued");
    req.cursor = *seq;
  }
  if (auto it = json.find("limit"); it != json.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1)
      return Status::invalid("limit must be a positive integer");
    req.limit = static_cast<int>(std::min<int64_t>(it->get<int64_t>(), kMaxLimit));
  }
  if (auto it = json.find("writes"); it != json.end() && !it->is_null()) {
    if (!it->is_array()) return Status::invalid("writes must be an array");
    if (it->size() > kMaxWrites)
      return Status::invalid("writes holds more than " + std::to_string(kMaxWrites) +
                             " items; send them in several requests");
    req.writes.reserve(it->size());
    for (size_t i = 0; i < it->size(); ++i) {
      auto w = parseWrite((*it)[i], i, caller);
      if (!w.isOk()) return w.status();
      req.writes.push_back(std::move(w.value()));
    }
  }
  if (auto it = json.find("inbox_ack"); it != json.end() && !it->is_null()) {
    // Notice ids are derived from write ids ("c-<write_id>"), so they may be a little longer
    // than an id; they are only ever compared, never shown or used in a path.
    if (!it->is_array()) return Status::invalid("inbox_ack must be an array of notice ids");
    for (const auto& item : *it) {
      if (!item.is_string() || item.get<std::string>().empty() ||
          item.get<std::string>().size() > 200)
        return Status::invalid("inbox_ack must be an array of notice ids");
      req.inbox_ack.push_back(item.get<std::string>());
    }
  }
  if (auto it = json.find("pending"); it != json.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0)
      return Status::invalid("pending must be a non-negative integer");
    req.pending = it->get<int64_t>();
  }
  if (auto it = json.find("brief"); it != json.end() && !it->is_null()) {
    if (!it->is_boolean()) return Status::invalid("brief must be true or false");
    req.brief = it->get<bool>();
  }
  if (auto it = json.find("in_flight"); it != json.end() && !it->is_null()) {
    const char* const shape = "in_flight must be an array of stamps";
    if (!it->is_array()) return Status::invalid(shape);
    if (it->size() > kMaxInFlight)
      return Status::invalid("in_flight lists more than " + std::to_string(kMaxInFlight) +
                             " stamps");
    req.in_flight.reserve(it->size());
    for (const auto& item : *it) {
      if (!item.is_string() || !core::Stamp::parse(item.get<std::string>()))
        return Status::invalid(shape);
      req.in_flight.push_back(item.get<std::string>());
    }
  }
  return req;
}

}  // namespace yard::sync
