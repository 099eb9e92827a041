#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/NameValueCollection.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "client/gateway_channel.h"

namespace yard::device {

// The gateway over HTTP/1.1 (POCO Net): POST /v1/sync and the tus upload endpoints, on one
// keep-alive connection that is reopened after any failure. The token goes only into the
// Authorization header, never into a message. Not thread-safe: one per phone (sync thread).
class HttpGateway : public SyncChannel, public BlobChannel {
 public:
  // url: http://host:port or https://host:port. For https the gateway's certificate is
  // verified (and its name checked) against ca_file, a PEM file of the CAs to trust (for a
  // gateway's self-signed certificate: the certificate itself); empty: the system's CAs.
  static Result<std::unique_ptr<HttpGateway>> connect(const std::string& url, std::string token,
                                                      std::chrono::milliseconds timeout,
                                                      const std::string& ca_file = "");

  Result<core::Json> exchange(const core::Json& request) override;
  int64_t bytesUp() const override { return bytes_up_; }
  int64_t bytesDown() const override { return bytes_down_; }

  Status has(const std::string& sha256) override;
  Result<UploadPosition> create(const core::Attachment& attachment) override;
  Result<int64_t> offset(const std::string& location) override;
  Result<int64_t> append(const std::string& location, int64_t offset,
                         const std::string& bytes) override;
  Result<std::string> download(const std::string& sha256) override;

  // Any endpoint with the phone's token (the CLI's admin calls use another token).
  struct Answer {
    int status = 0;
    Poco::Net::NameValueCollection headers;
    std::string body;
  };
  Result<Answer> call(const std::string& method, const std::string& path,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& content_type, const std::string& body);

 private:
  HttpGateway(std::string host, uint16_t port, std::string token, std::chrono::milliseconds timeout,
              Poco::Net::Context::Ptr tls)
      : host_(std::move(host)),
        port_(port),
        token_(std::move(token)),
        timeout_(timeout),
        tls_(std::move(tls)) {}
  Poco::Net::HTTPClientSession& session();

  std::string host_;
  uint16_t port_;
  std::string token_;
  std::chrono::milliseconds timeout_;
  Poco::Net::Context::Ptr tls_;  // null: plain http
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
  int64_t bytes_up_ = 0;
  int64_t bytes_down_ = 0;
};

// The status classes of DESIGN §7 for an HTTP answer: 2xx ok, 404 kNotFound, 408/429/5xx
// kRetry, other 4xx kPermanent, with the gateway's {"error","message"} in the message.
Status statusOfAnswer(int status, const std::string& body);

}  // namespace yard::device
