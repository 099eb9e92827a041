#include "http/routes.h"

namespace yard::http {

void addSyncRoutes(Router& router, ApiServices& api) {
  router.add({"GET", "/healthz", Access::kPublic, [](Exchange& ex) {
                ex.reply(200, core::Json{{"status", "ok"}});
              }});

  router.add({"POST", "/v1/sync", Access::kDevice, [&api](Exchange& ex) {
                // Taken before the body is read: a gateway's requests in flight are ordered
                // as they came in (sync/unanswered_writes.h).
                auto arrival =
                    ex.principal.device ? api.sync.arrival(*ex.principal.device) : std::nullopt;
                auto body = ex.jsonBody();
                if (!body) return;
                sync::Caller caller;
                if (ex.principal.device) {
                  caller = *ex.principal.device;
                } else {
                  // The admin token may sync on behalf of any enrolled device (support work).
                  auto device_id =
                      body->is_object() && body->contains("device") && (*body)["device"].is_string()
                          ? (*body)["device"].get<std::string>()
                          : std::string();
                  auto row = api.devices.find(device_id);
                  if (!row.isOk()) return ex.error(row.status());
                  if (!row->has_value() || (*row)->revoked)
                    return ex.error(400, "bad_request", "device names no enrolled device");
                  caller = sync::Caller{(*row)->id, (*row)->site, (*row)->operator_id, (*row)->node,
                                        "http"};
                }
                auto response = api.sync.sync(caller, std::move(*body), std::move(arrival));
                if (!response.isOk()) return ex.error(response.status());
                ex.replyText(200, "application/json", response.value());
              }});

  router.add({"GET", "/v1/status", Access::kDevice,
              [&api](Exchange& ex) { ex.reply(200, api.status()); }});
}

}  // namespace yard::http
