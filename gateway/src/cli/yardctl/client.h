#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "cli/yardctl/args.h"
#include "cli/yardctl/target.h"
#include "core/record.h"

namespace yard::yardctl {

// Why a call failed, in plain words, with the exit code it maps to.
struct CallError {
  ExitCode code = kExitFailed;
  std::string message;
};

// The error for an HTTP answer that is not 2xx: 401/403 token refused, other 4xx the gateway's
// own message, 5xx a gateway failure. Pure.
CallError describeHttpError(int status, const std::string& body, const Target& target);

// A client of one gateway's admin API over HTTP or HTTPS (POCO), keeping its connection alive
// between calls. Not thread-safe.
class GatewayClient {
 public:
  GatewayClient(Target target, int timeout_s);
  ~GatewayClient();

  // Sends method path with body (JSON, when given) and returns the parsed JSON answer of a 2xx
  // (null for an empty body), or nullopt with error filled.
  std::optional<core::Json> call(const std::string& method, const std::string& path,
                                 const core::Json* body, CallError& error);

  // GET path, streaming a 2xx answer's body into out. Returns the bytes written (checked
  // against Content-Length) and the response's X-Yard-Storage-Plugin in plugin.
  std::optional<int64_t> download(const std::string& path, std::ostream& out, std::string& plugin,
                                  CallError& error);

  const Target& target() const { return target_; }

 private:
  std::optional<core::Json> attempt(const std::string& method, const std::string& path,
                                    const core::Json* body, CallError& error);
  Poco::Net::HTTPClientSession& session();
  CallError networkError(const std::exception& e) const;

  Target target_;
  int timeout_s_;
  Poco::Net::Context::Ptr tls_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

}  // namespace yard::yardctl
