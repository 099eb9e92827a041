#pragma once

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <istream>
#include <ostream>
#include <string>

#include "https_transport.h"

namespace yard::transport_https {

// One request/response on one of the transport's sessions, with failures classified for the
// host: 2xx OK, 404 NOT_FOUND, 408/429/5xx and network errors RETRY, other 4xx and certificate
// failures PERMANENT (an operator must act). A failed exchange drops its session so the next
// one reconnects.
class HttpExchange {
 public:
  HttpExchange(HttpsTransport& transport, const std::string& method, const std::string& path);

  Poco::Net::HTTPRequest& request() { return request_; }
  const Poco::Net::HTTPResponse& response() const { return response_; }
  const std::string& body() const { return body_; }
  // The answer body as it crossed the wire (gzip'd or not), and the seconds it took to arrive
  // once the headers were in.
  int64_t bodyWireBytes() const { return wire_bytes_; }
  double bodySeconds() const { return body_seconds_; }

  yard_rc run(const std::string& body, yard_error* err);
  // Sends length bytes read from body (streamed, never held whole).
  yard_rc run(std::istream& body, int64_t length, yard_error* err);
  // Receives the answer's body into out (streamed) on 2xx; other answers go to body().
  void streamBodyTo(std::ostream* out) { sink_ = out; }

 private:
  HttpsTransport& t_;
  Poco::Net::HTTPRequest request_;
  Poco::Net::HTTPResponse response_;
  std::string body_;
  std::ostream* sink_ = nullptr;
  int64_t wire_bytes_ = 0;
  double body_seconds_ = 0;
};

yard_rc classifyStatus(int status);
std::string describeError(int status, const std::string& body);

}  // namespace yard::transport_https
