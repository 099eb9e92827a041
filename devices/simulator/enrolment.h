#pragma once

#include <string>

#include "core/status.h"

namespace yard::device {

struct Enrolled {
  std::string device;
  std::string site;
  std::string operator_id;
  std::string token;  // secret: never printed or logged
};

// POST /v1/admin/devices with the gateway's admin token (docs/admin-api.md): a phone device of
// site for operator. kConflict when the id is taken. ca_file: see HttpGateway::connect.
Result<Enrolled> enrolDevice(const std::string& gateway_url, const std::string& admin_token,
                             const std::string& device, const std::string& site,
                             const std::string& operator_id, const std::string& ca_file = "");

// The site the gateway serves, from GET /v1/status (any valid token).
Result<std::string> gatewaySite(const std::string& gateway_url, const std::string& token,
                                const std::string& ca_file = "");

}  // namespace yard::device
