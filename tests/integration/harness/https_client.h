#pragma once

#include <optional>
#include <string>

#include "harness/http_client.h"

namespace yard::it {

// One HTTPS request to 127.0.0.1:port for tests of TLS listeners. The server certificate is
// not verified (the tests that care about verification exercise the daemon's client side).
HttpResponse httpsRequest(int port, const std::string& method, const std::string& path,
                          const std::string& token, const std::optional<Json>& body = {});

// Makes a self-signed certificate for localhost / 127.0.0.1 with the openssl command:
// dir/name.pem and dir/name.key. Throws if openssl fails.
void makeSelfSignedCertificate(const std::string& dir, const std::string& name);

}  // namespace yard::it
