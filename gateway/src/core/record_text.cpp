#include "core/json_text.h"
#include "core/record.h"

namespace yard::core {
namespace {

void appendAttachment(std::string& out, const Attachment& a) {
  out += '{';
  appendKey(out, "mime", true);
  appendJsonString(out, a.mime);
  appendKey(out, "name");
  appendJsonString(out, a.name);
  appendKey(out, "sha256");
  appendJsonString(out, a.sha256);
  appendKey(out, "size");
  out += std::to_string(a.size);
  out += '}';
}

}  // namespace

// Keys in the order nlohmann's std::map-backed objects dump them: sorted.
std::string toJsonText(const Record& record, std::string_view body_json) {
  std::string out;
  out.reserve(320 + (body_json.empty() ? 256 : body_json.size()));
  out += '{';
  appendKey(out, "assigned_to", true);
  out += '[';
  for (size_t i = 0; i < record.assigned_to.size(); ++i) {
    if (i) out += ',';
    appendJsonString(out, record.assigned_to[i]);
  }
  out += ']';
  appendKey(out, "attachments");
  out += '[';
  for (size_t i = 0; i < record.attachments.size(); ++i) {
    if (i) out += ',';
    appendAttachment(out, record.attachments[i]);
  }
  out += ']';
  appendKey(out, "base");
  if (record.base.empty())
    out += "null";
  else
    appendJsonString(out, record.base);
  appendKey(out, "body");
  if (body_json.empty())
    out += record.body.dump();
  else
    out += body_json;
  appendKey(out, "client_time");
  appendJsonString(out, record.client_time);
  appendKey(out, "deleted");
  out += record.deleted ? "true" : "false";
  appendKey(out, "id");
  appendJsonString(out, record.id);
  appendKey(out, "origin");
  out += '{';
  appendKey(out, "device", true);
  appendJsonString(out, record.origin.device);
  appendKey(out, "node");
  appendJsonString(out, record.origin.node);
  appendKey(out, "operator");
  appendJsonString(out, record.origin.operator_id);
  out += '}';
  appendKey(out, "site");
  appendJsonString(out, record.site);
  appendKey(out, "stamp");
  appendJsonString(out, record.stamp);
  appendKey(out, "type");
  appendJsonString(out, record.type);
  appendKey(out, "write_id");
  appendJsonString(out, record.write_id);
  out += '}';
  return out;
}

}  // namespace yard::core
