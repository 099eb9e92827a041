#include "simulator/enrolment.h"

#include <chrono>

#include "client/http_gateway.h"

namespace yard::device {
namespace {

constexpr std::chrono::milliseconds kAdminTimeout{30000};

}  // namespace

Result<Enrolled> enrolDevice(const std::string& gateway_url, const std::string& admin_token,
                             const std::string& device, const std::string& site,
                             const std::string& operator_id, const std::string& ca_file) {
  auto http = HttpGateway::connect(gateway_url, admin_token, kAdminTimeout, ca_file);
  if (!http.isOk()) return http.status();
  const core::Json body{{"id", device}, {"site", site}, {"operator", operator_id}, {"node", false}};
  auto answer = (*http)->call("POST", "/v1/admin/devices", {}, "application/json", body.dump());
  if (!answer.isOk()) return answer.status();
  if (answer->status == 409) return Status::conflict("device " + device + " is enrolled already");
  if (Status s = statusOfAnswer(answer->status, answer->body); !s.isOk()) return s;
  auto json = core::Json::parse(answer->body, nullptr, false);
  if (!json.is_object() || !json.value("token", core::Json()).is_string())
    return Status::permanent("the gateway's enrolment answer has no token");
  return Enrolled{device, site, operator_id, json["token"].get<std::string>()};
}

Result<std::string> gatewaySite(const std::string& gateway_url, const std::string& token,
                                const std::string& ca_file) {
  auto http = HttpGateway::connect(gateway_url, token, kAdminTimeout, ca_file);
  if (!http.isOk()) return http.status();
  auto answer = (*http)->call("GET", "/v1/status", {}, "", "");
  if (!answer.isOk()) return answer.status();
  if (Status s = statusOfAnswer(answer->status, answer->body); !s.isOk()) return s;
  auto json = core::Json::parse(answer->body, nullptr, false);
  if (json.is_object() && json.value("site", core::Json()).is_string())
    return json["site"].get<std::string>();
  return Status::permanent("the gateway's status does not name its site");
}

}  // namespace yard::device
