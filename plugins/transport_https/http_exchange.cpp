#include "http_exchange.h"

#include <Poco/Exception.h>
#include <Poco/InflatingStream.h>
#include <Poco/Net/SSLException.h>
#include <Poco/StreamCopier.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <sstream>

namespace yard::transport_https {

using Poco::Net::HTTPRequest;

yard_rc classifyStatus(int status) {
  if (status >= 200 && status < 300) return YARD_OK;
  if (status == 404) return YARD_NOT_FOUND;
  if (status == 408 || status == 429 || status >= 500) return YARD_RETRY;
  return YARD_PERMANENT;
}

std::string describeError(int status, const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  std::string what = "upstream answered HTTP " + std::to_string(status);
  if (json.is_object() && json.contains("message") && json["message"].is_string())
    what += ": " + json["message"].get<std::string>();
  return what;
}

HttpExchange::HttpExchange(HttpsTransport& t, const std::string& method, const std::string& path)
    : t_(t), request_(method, path, HTTPRequest::HTTP_1_1) {
  request_.set("Authorization", "Bearer " + t.token_);
  request_.set("Accept-Encoding", "gzip");
  request_.setKeepAlive(true);
}

yard_rc HttpExchange::run(const std::string& body, yard_error* err) {
  std::istringstream in(body);
  return run(in, static_cast<int64_t>(body.size()), err);
}

yard_rc HttpExchange::run(std::istream& body, int64_t length, yard_error* err) {
  // Dropped (not given back) if anything below throws: the next exchange reconnects.
  auto session = t_.takeSession();
  try {
    request_.setContentLength64(length);
    std::ostream& out = session->sendRequest(request_);
    // The header went out in its own segment: without this the body would wait for its ACK,
    // which the server delays (up to 40 ms) as it waits for the rest of the request.
    session->socket().setNoDelay(true);
    Poco::StreamCopier::copyStream64(body, out);
    std::istream& in = session->receiveResponse(response_);
    const auto body_started = std::chrono::steady_clock::now();
    body_.clear();
    const int status = response_.getStatus();
    if (sink_ != nullptr && status >= 200 && status < 300) {
      Poco::StreamCopier::copyStream64(in, *sink_);
    } else if (response_.get("Content-Encoding", "") == "gzip") {
      Poco::InflatingInputStream inflate(in, Poco::InflatingStreamBuf::STREAM_GZIP);
      Poco::StreamCopier::copyToString(inflate, body_);
    } else if (request_.getMethod() != HTTPRequest::HTTP_HEAD) {
      Poco::StreamCopier::copyToString(in, body_);
    }
    body_seconds_ =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - body_started).count();
    wire_bytes_ = response_.hasContentLength() ? response_.getContentLength64()
                                               : static_cast<int64_t>(body_.size());
    t_.keepSession(std::move(session));
  } catch (const Poco::Net::CertificateValidationException& e) {
    return sdk::fail(err, YARD_PERMANENT, "upstream certificate refused: " + e.displayText());
  } catch (const Poco::Net::SSLException& e) {
    // A failed verification needs an operator (wrong CA, expired or wrong-host certificate); a
    // handshake cut short by the network is just the WAN.
    const bool verification = e.displayText().find("certificate") != std::string::npos;
    return sdk::fail(
        err, verification ? YARD_PERMANENT : YARD_RETRY,
        (verification ? "upstream certificate refused: " : "TLS failed: ") + e.displayText());
  } catch (const Poco::Exception& e) {
    return sdk::fail(err, YARD_RETRY, "upstream unreachable: " + e.displayText());
  }
  const yard_rc rc = classifyStatus(response_.getStatus());
  if (rc != YARD_OK && rc != YARD_NOT_FOUND)
    sdk::setError(err, describeError(response_.getStatus(), body_));
  return rc;
}

}  // namespace yard::transport_https
