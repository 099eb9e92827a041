#pragma once

#include <optional>
#include <string>

#include "harness/http_client.h"

namespace yard::it {

// One HTTPS request to 127.0.0.1:port for tests of TLS listeners. The server certificate is
// not verified (the tests that care about verification exercise the daemon's client side).
HttpResponse httpsRequest(int port, const std::string& method, const std::string& path,
                          const std::string& token, const std::optional<Json>& body = {});

}  // namespace yard::it
