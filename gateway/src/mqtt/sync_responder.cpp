#include "mqtt/sync_responder.h"

#include "core/json_limits.h"
#include "mqtt/topics.h"

namespace yard::mqtt {
namespace {

core::Json errorJson(const std::string& code, const std::string& message) {
  return core::Json{{"error", code}, {"message", message}};
}

std::string errorText(const std::string& code, const std::string& message) {
  return errorJson(code, message).dump();
}

}  // namespace

core::Json errorJson(const Status& status) {
  switch (status.code()) {
    case Code::kInvalid:
      return errorJson("bad_request", status.message());
    case Code::kForbidden:
      return errorJson("forbidden", status.message());
    case Code::kNotFound:
      return errorJson("not_found", status.message());
    case Code::kConflict:
      return errorJson("conflict", status.message());
    case Code::kRetry:
      return errorJson("unavailable", status.message());
    case Code::kOk:
    case Code::kPermanent:
      break;
  }
  return errorJson("internal", status.message());
}

std::optional<sync::UnansweredWrites::Registration> SyncResponder::arrival(const Inbound& in) {
  if (!serve_nodes_ || deviceOfRequest(in.topic, site_)) return std::nullopt;
  auto node = nodeOfRequest(in.topic, site_);
  if (!node) return std::nullopt;
  // Only node devices send from the node tree; run() checks the enrolment before anything
  // is applied.
  return sync_.arrival(sync::Caller{*node, site_, "", true, "mqtt"});
}

std::optional<Outbound> SyncResponder::answer(
    const Inbound& in, std::optional<sync::UnansweredWrites::Registration> arrival) {
  auto device = deviceOfRequest(in.topic, site_);
  const bool node_tree = !device && serve_nodes_;
  if (node_tree) device = nodeOfRequest(in.topic, site_);
  if (!device) return std::nullopt;
  Outbound out{chooseResponseTopic(site_, *device, in.response_topic.value_or(""), node_tree), "",
               in.correlation};

  std::string reply;
  core::Json corr;
  if (in.payload.size() > max_request_bytes_) {
    reply = errorText("too_large", "the request is larger than max_request_bytes (" +
                                       std::to_string(max_request_bytes_) + ")");
  } else {
    bool too_deep = false;
    core::Json body = core::parseUntrustedJson(in.payload, too_deep);
    if (too_deep) {
      reply = errorText("bad_json", "the request nests deeper than " +
                                        std::to_string(core::kMaxJsonDepth) + " levels");
    } else if (body.is_discarded()) {
      reply = errorText("bad_json", "the request is not valid JSON");
    } else {
      // MQTT 3.1.1 has no correlation data: the client's "corr" comes back in the answer.
      if (body.is_object() && body.contains("corr")) {
        corr = body["corr"];
        body.erase("corr");
      }
      auto response = run(*device, node_tree, std::move(body), std::move(arrival));
      reply = response.isOk() ? std::move(response.value()) : errorJson(response.status()).dump();
    }
  }
  // Every reply is a JSON object: the client's corr goes in first.
  if (!corr.is_null()) reply.insert(1, "\"corr\":" + corr.dump() + (reply.size() > 2 ? "," : ""));
  out.payload = std::move(reply);
  return out;
}

Result<std::string> SyncResponder::run(
    const std::string& device, bool node_tree, core::Json body,
    std::optional<sync::UnansweredWrites::Registration> arrival) {
  auto row = devices_.find(device);
  if (!row.isOk()) return row.status();
  // One answer for unknown, revoked and other-site devices (and phones on the node tree): the
  // topic reveals nothing.
  if (!row->has_value() || (*row)->revoked || (*row)->site != site_ || (node_tree && !(*row)->node))
    return Status::forbidden("device '" + device + "' is not enrolled at this site");
  const auto& d = **row;
  sync::Caller caller{d.id, d.site, d.operator_id, d.node, "mqtt"};
  return sync_.sync(caller, std::move(body), std::move(arrival));
}

}  // namespace yard::mqtt
