#include <charconv>

#include "http/routes.h"

namespace yard::http {
namespace {

std::optional<int64_t> parseInt(const std::string& text) {
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return out;
}

Status onlyFields(const core::Json& body, std::initializer_list<const char*> known) {
  if (!body.is_object()) return Status::invalid("the body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    bool found = false;
    for (const char* k : known) found = found || key == k;
    if (!found) return Status::invalid("unknown field '" + key + "'");
  }
  return Status::ok();
}

core::Json deviceJson(const store::DeviceRow& row, const sync::DeviceActivity::Entry& seen) {
  return core::Json{{"id", row.id},
                    {"site", row.site},
                    {"operator", row.operator_id},
                    {"node", row.node},
                    {"revoked", row.revoked},
                    {"created", row.created_ms},
                    {"last_sync", seen.last_sync_ms ? core::Json(seen.last_sync_ms) : core::Json()},
                    {"channel", seen.channel},
                    {"pending", seen.pending},
                    {"clock_skew_ms", seen.clock_skew_ms}};
}

void addDevice(ApiServices& api, Exchange& ex) {
  auto body = ex.jsonBody();
  if (!body) return;
  if (Status s = onlyFields(*body, {"id", "site", "operator", "node"}); !s.isOk())
    return ex.error(s);
  const auto& b = *body;
  if (!b.contains("id") || !b["id"].is_string() || !b.contains("site") || !b["site"].is_string())
    return ex.error(400, "bad_request", "id and site are required strings");
  if (b.contains("operator") && !b["operator"].is_string() && !b["operator"].is_null())
    return ex.error(400, "bad_request", "operator must be a string");
  if (b.contains("node") && !b["node"].is_boolean())
    return ex.error(400, "bad_request", "node must be true or false");
  const std::string op = b.contains("operator") && b["operator"].is_string()
                             ? b["operator"].get<std::string>()
                             : std::string();
  auto enrolment = api.devices.enroll(b["id"].get<std::string>(), b["site"].get<std::string>(), op,
                                      b.value("node", false));
  if (!enrolment.isOk()) {
    if (enrolment.status().code() == Code::kInvalid &&
        enrolment.status().message().find("already exists") != std::string::npos)
      return ex.error(409, "conflict", enrolment.status().message());
    return ex.error(enrolment.status());
  }
  ex.reply(201, core::Json{{"id", enrolment->id}, {"token", enrolment->token}});
}

}  // namespace

void addAdminRoutes(Router& router, ApiServices& api) {
  router.add(
      {"POST", "/v1/admin/devices", Access::kAdmin, [&api](Exchange& ex) { addDevice(api, ex); }});

  router.add({"GET", "/v1/admin/devices", Access::kAdmin, [&api](Exchange& ex) {
                auto rows = api.devices.list();
                if (!rows.isOk()) return ex.error(rows.status());
                core::Json out = core::Json::array();
                for (const auto& row : rows.value())
                  out.push_back(deviceJson(row, api.activity.get(row.id, row.state_doc)));
                ex.reply(200, out);
              }});

  router.add({"DELETE", "/v1/admin/devices/{id}", Access::kAdmin, [&api](Exchange& ex) {
                const std::string id = ex.params["id"];
                if (Status s = api.devices.revoke(id); !s.isOk()) return ex.error(s);
                ex.reply(200, core::Json{{"id", id}, {"revoked", true}});
              }});

  router.add({"GET", "/v1/admin/conflicts", Access::kAdmin, [&api](Exchange& ex) {
                auto before = parseInt(ex.query("before", "0"));
                auto limit = parseInt(ex.query("limit", "100"));
                if (!before || !limit || *before < 0 || *limit < 1 || *limit > 1000)
                  return ex.error(400, "bad_request", "before >= 0 and 1 <= limit <= 1000");
                auto rows = api.sync.conflicts(*before, static_cast<int>(*limit));
                if (!rows.isOk()) return ex.error(rows.status());
                ex.reply(200, rows.value());
              }});

  router.add({"POST", "/v1/admin/records/{id}/restore", Access::kAdmin, [&api](Exchange& ex) {
                auto body = ex.jsonBody();
                if (!body) return;
                if (Status s = onlyFields(*body, {"audit_id"}); !s.isOk()) return ex.error(s);
                if (!body->contains("audit_id") || !(*body)["audit_id"].is_number_integer())
                  return ex.error(400, "bad_request", "audit_id is a required integer");
                auto record = api.sync.restore(ex.params["id"], (*body)["audit_id"].get<int64_t>());
                if (!record.isOk()) return ex.error(record.status());
                ex.reply(200, record.value());
              }});

  router.add({"POST", "/v1/admin/sync-now", Access::kAdmin, [&api](Exchange& ex) {
                if (Status s = api.start_upstream(); !s.isOk()) return ex.error(s);
                ex.reply(202, core::Json{{"started", true}});
              }});
}

}  // namespace yard::http
