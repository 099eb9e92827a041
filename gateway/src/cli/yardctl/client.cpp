#include "cli/yardctl/client.h"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/StreamCopier.h>

#include <sstream>

namespace yard::yardctl {

CallError describeHttpError(int status, const std::string& body, const Target& target) {
  auto json = core::Json::parse(body, nullptr, false);
  std::string message = json.is_object() && json.contains("message") && json["message"].is_string()
                            ? json["message"].get<std::string>()
                            : std::string();
  if (status == 401)
    return {kExitAuth, "the gateway refused the admin token from " + target.token_file +
                           " (is it this gateway's token?)"};
  if (status == 403)
    return {kExitAuth,
            "the token in " + target.token_file + " is a device token, not the admin token"};
  if (message.empty()) message = "HTTP " + std::to_string(status);
  if (status >= 500) return {kExitFailed, "the gateway failed: " + message};
  return {kExitRefused, message};
}

GatewayClient::GatewayClient(Target target, int timeout_s)
    : target_(std::move(target)), timeout_s_(timeout_s) {}

GatewayClient::~GatewayClient() = default;

Poco::Net::HTTPClientSession& GatewayClient::session() {
  if (session_) return *session_;
  if (target_.scheme == "https") {
    if (!tls_) {
      Poco::Net::Context::Params params;
      params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
      params.caLocation = target_.ca_file;
      params.loadDefaultCAs = target_.ca_file.empty();
      tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
      tls_->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    }
    session_ = std::make_unique<Poco::Net::HTTPSClientSession>(
        target_.host, static_cast<Poco::UInt16>(target_.port), tls_);
  } else {
    session_ = std::make_unique<Poco::Net::HTTPClientSession>(
        target_.host, static_cast<Poco::UInt16>(target_.port));
  }
  session_->setTimeout(Poco::Timespan(timeout_s_, 0));
  session_->setKeepAlive(true);
  return *session_;
}

CallError GatewayClient::networkError(const std::exception& e) const {
  const std::string where = target_.url();
  if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e))
    return {kExitUnreachable,
            "nothing answers at " + where + " (connection refused): is yard-gateway running?"};
  if (dynamic_cast<const Poco::TimeoutException*>(&e))
    return {kExitUnreachable, "the gateway at " + where + " did not answer within " +
                                  std::to_string(timeout_s_) + " s"};
  if (dynamic_cast<const Poco::Net::HostNotFoundException*>(&e) ||
      dynamic_cast<const Poco::Net::NoAddressFoundException*>(&e))
    return {kExitUnreachable, "cannot find the host " + target_.host};
  const auto* poco = dynamic_cast<const Poco::Exception*>(&e);
  const std::string text = poco ? poco->displayText() : e.what();
  if (dynamic_cast<const Poco::Net::SSLException*>(&e))
    return {kExitUnreachable, "TLS with " + where + " failed: " + text +
                                  " (is the certificate the gateway's [http] tls_cert?)"};
  return {kExitUnreachable, "cannot talk to the gateway at " + where + ": " + text};
}

std::optional<core::Json> GatewayClient::call(const std::string& method, const std::string& path,
                                              const core::Json* body, CallError& error) {
  // The gateway closes idle keep-alive connections: a GET on a reused one that fails is tried
  // once more on a fresh connection (a POST or DELETE is not: it may have been applied).
  const bool reused = session_ != nullptr;
  auto answer = attempt(method, path, body, error);
  if (!answer && reused && method == "GET" && error.code == kExitUnreachable)
    answer = attempt(method, path, body, error);
  return answer;
}

std::optional<core::Json> GatewayClient::attempt(const std::string& method, const std::string& path,
                                                 const core::Json* body, CallError& error) {
  try {
    auto& s = session();
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + target_.token);
    request.set("Accept", "application/json");
    const std::string payload = body ? body->dump() : std::string();
    if (body) request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(payload.size()));
    s.sendRequest(request) << payload;
    Poco::Net::HTTPResponse response;
    std::istream& in = s.receiveResponse(response);
    std::string text;
    Poco::StreamCopier::copyToString(in, text);
    const int status = static_cast<int>(response.getStatus());
    if (status < 200 || status > 299) {
      error = describeHttpError(status, text, target_);
      return std::nullopt;
    }
    if (text.empty()) return core::Json();
    auto json = core::Json::parse(text, nullptr, false);
    if (json.is_discarded()) {
      error = {kExitFailed, "the gateway answered " + path + " with something that is not JSON"};
      return std::nullopt;
    }
    return json;
  } catch (const std::exception& e) {
    session_.reset();  // the connection is in an unknown state
    error = networkError(e);
    return std::nullopt;
  }
}

std::optional<int64_t> GatewayClient::download(const std::string& path, std::ostream& out,
                                               std::string& plugin, CallError& error) {
  try {
    auto& s = session();
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + target_.token);
    s.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = s.receiveResponse(response);
    const int status = static_cast<int>(response.getStatus());
    if (status < 200 || status > 299) {
      std::string text;
      Poco::StreamCopier::copyToString(in, text);
      error = describeHttpError(status, text, target_);
      return std::nullopt;
    }
    plugin = response.get("X-Yard-Storage-Plugin", "");
    const int64_t copied = static_cast<int64_t>(Poco::StreamCopier::copyStream64(in, out));
    if (!out) {
      error = {kExitFailed, "cannot write the downloaded data"};
      return std::nullopt;
    }
    if (response.hasContentLength() && copied != response.getContentLength64()) {
      session_.reset();
      error = {kExitUnreachable, "the connection broke after " + std::to_string(copied) + " of " +
                                     std::to_string(response.getContentLength64()) + " bytes"};
      return std::nullopt;
    }
    return copied;
  } catch (const std::exception& e) {
    session_.reset();
    error = networkError(e);
    return std::nullopt;
  }
}

}  // namespace yard::yardctl
