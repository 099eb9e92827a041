#include "core/record.h"

#include <limits>

namespace yard::core {
namespace {

// Bounds on free-text metadata, so one record cannot carry an unbounded string outside its body
// (the body has its type's max_body_bytes).
constexpr size_t kMaxMimeLength = 255;
constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxClientTimeLength = 64;
constexpr size_t kMaxStampLength = 256;

constexpr std::string_view kIdRule = " must be 1-128 characters of A-Z a-z 0-9 . _ : @ -";

bool isIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '@' || c == '-';
}

// Absent and null both mean "not given": senders differ in how they leave out optional fields.
const Json* optionalMember(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

Status readString(const Json& object, const char* key, const std::string& where, size_t max_length,
                  std::string& out) {
  const Json* value = optionalMember(object, key);
  if (value == nullptr) return Status::ok();
  if (!value->is_string()) return Status::invalid(where + key + " must be a string");
  const auto& text = value->get_ref<const std::string&>();
  if (text.size() > max_length)
    return Status::invalid(where + key + " is longer than " + std::to_string(max_length) +
                           " bytes");
  out = text;
  return Status::ok();
}

Status readId(const Json& object, const char* key, std::string& out) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string())
    return Status::invalid(std::string(key) + " is required and must be a string");
  out = it->get<std::string>();
  if (!isValidId(out)) return Status::invalid(std::string(key) + std::string(kIdRule));
  return Status::ok();
}

Result<Attachment> attachmentFromJson(const Json& json, const std::string& where) {
  if (!json.is_object()) return Status::invalid(where + " must be an object");
  const std::string prefix = where + ".";
  Attachment a;
  auto sha = json.find("sha256");
  if (sha == json.end() || !sha->is_string() || !isValidSha256(sha->get<std::string>()))
    return Status::invalid(prefix + "sha256 must be 64 lowercase hex digits");
  a.sha256 = sha->get<std::string>();
  auto size = json.find("size");
  // A size past int64 arrives as an unsigned JSON number; it is no real attachment either.
  if (size == json.end() || !size->is_number_integer() ||
      (size->is_number_unsigned() &&
       size->get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()}) ||
      size->get<int64_t>() < 0)
    return Status::invalid(prefix + "size must be a non-negative integer");
  a.size = size->get<int64_t>();
  if (Status s = readString(json, "mime", prefix, kMaxMimeLength, a.mime); !s.isOk()) return s;
  if (Status s = readString(json, "name", prefix, kMaxNameLength, a.name); !s.isOk()) return s;
  return a;
}

Status readOrigin(const Json& record, Origin& out) {
  const Json* origin = optionalMember(record, "origin");
  if (origin == nullptr) return Status::ok();
  if (!origin->is_object()) return Status::invalid("origin must be an object");
  if (Status s = readString(*origin, "device", "origin.", kMaxIdLength, out.device); !s.isOk())
    return s;
  if (Status s = readString(*origin, "operator", "origin.", kMaxIdLength, out.operator_id);
      !s.isOk())
    return s;
  return readString(*origin, "node", "origin.", kMaxIdLength, out.node);
}

Status readAssignedTo(const Json& record, std::vector<std::string>& out) {
  const Json* list = optionalMember(record, "assigned_to");
  if (list == nullptr) return Status::ok();
  if (!list->is_array()) return Status::invalid("assigned_to must be an array of ids");
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    if (!item.is_string() || !isValidId(item.get<std::string>()))
      return Status::invalid("assigned_to[" + std::to_string(i) + "]" + std::string(kIdRule));
    out.push_back(item.get<std::string>());
  }
  return Status::ok();
}

}  // namespace

bool Record::sameContent(const Record& other) const {
  return id == other.id && type == other.type && site == other.site && deleted == other.deleted &&
         body == other.body && attachments == other.attachments && assigned_to == other.assigned_to;
}

Json toJson(const Attachment& attachment) {
  return Json{{"sha256", attachment.sha256},
              {"size", attachment.size},
              {"mime", attachment.mime},
              {"name", attachment.name}};
}

// Every key is always written, empty strings included, so stored documents and the records
// devices receive have one shape.
Json toJson(const Record& record) {
  Json attachments = Json::array();
  for (const auto& a : record.attachments) attachments.push_back(toJson(a));
  return Json{{"id", record.id},
              {"type", record.type},
              {"site", record.site},
              {"body", record.body},
              {"attachments", std::move(attachments)},
              {"deleted", record.deleted},
              {"assigned_to", record.assigned_to},
              {"stamp", record.stamp},
              {"origin",
               {{"device", record.origin.device},
                {"operator", record.origin.operator_id},
                {"node", record.origin.node}}},
              {"client_time", record.client_time},
              {"write_id", record.write_id},
              // null, not "", for "created it": the same spelling as base in a sync write.
              {"base", record.base.empty() ? Json(nullptr) : Json(record.base)}};
}

Result<std::vector<Attachment>> attachmentsFromJson(const Json& json) {
  if (!json.is_array()) return Status::invalid("attachments must be an array");
  std::vector<Attachment> out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    auto a = attachmentFromJson(json[i], "attachments[" + std::to_string(i) + "]");
    if (!a.isOk()) return a.status();
    out.push_back(std::move(a.value()));
  }
  return out;
}

// Unknown keys are ignored rather than refused: a newer node may add fields, and an older node
// reading its records must keep working (DESIGN: contract changes keep old clients working).
Result<Record> recordFromJson(const Json& json) {
  if (!json.is_object()) return Status::invalid("a record must be a JSON object");
  Record r;
  if (Status s = readId(json, "id", r.id); !s.isOk()) return s;
  if (Status s = readId(json, "type", r.type); !s.isOk()) return s;
  if (Status s = readId(json, "site", r.site); !s.isOk()) return s;
  if (const Json* body = optionalMember(json, "body")) {
    if (!body->is_object()) return Status::invalid("body must be an object");
    r.body = *body;
  }
  if (const Json* list = optionalMember(json, "attachments")) {
    auto attachments = attachmentsFromJson(*list);
    if (!attachments.isOk()) return attachments.status();
    r.attachments = std::move(attachments.value());
  }
  if (const Json* deleted = optionalMember(json, "deleted")) {
    if (!deleted->is_boolean()) return Status::invalid("deleted must be true or false");
    r.deleted = deleted->get<bool>();
  }
  if (Status s = readAssignedTo(json, r.assigned_to); !s.isOk()) return s;
  if (Status s = readString(json, "stamp", "", kMaxStampLength, r.stamp); !s.isOk()) return s;
  if (Status s = readOrigin(json, r.origin); !s.isOk()) return s;
  if (Status s = readString(json, "client_time", "", kMaxClientTimeLength, r.client_time);
      !s.isOk())
    return s;
  if (Status s = readString(json, "write_id", "", kMaxIdLength, r.write_id); !s.isOk()) return s;
  if (Status s = readString(json, "base", "", kMaxStampLength, r.base); !s.isOk()) return s;
  return r;
}

bool isValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id)
    if (!isIdChar(c)) return false;
  return true;
}

bool isValidSha256(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace yard::core
