#include "client/http_gateway.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "attachments/tus.h"

namespace yard::device {
namespace {

const std::vector<std::pair<std::string, std::string>> kTus = {{"Tus-Resumable", "1.0.0"}};

Result<int64_t> offsetHeader(const HttpGateway::Answer& a) {
  const std::string value = a.headers.get("Upload-Offset", "");
  if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
    return Status::retry("the gateway's answer has no Upload-Offset");
  return std::stoll(value);
}

}  // namespace

Status statusOfAnswer(int status, const std::string& body) {
  if (status >= 200 && status < 300) return Status::ok();
  std::string message = "HTTP " + std::to_string(status);
  auto json = core::Json::parse(body, nullptr, false);
  if (json.is_object() && json.value("message", core::Json()).is_string())
    message += " " + json.value("error", "") + ": " + json["message"].get<std::string>();
  if (status == 404) return Status::notFound(message);
  // 423: another PATCH holds the upload (often this phone's own, from before an app kill, whose
  // bytes the gateway is still reading): it ends on its own.
  if (status == 423) return Status::conflict(message);
  if (status == 408 || status == 429 || status >= 500) return Status::retry(message);
  return Status::permanent(message);
}

Result<std::unique_ptr<HttpGateway>> HttpGateway::connect(const std::string& url, std::string token,
                                                          std::chrono::milliseconds timeout,
                                                          const std::string& ca_file) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    return Status::invalid("bad gateway URL " + url + ": " + e.displayText());
  }
  const bool https = uri.getScheme() == "https";
  if ((!https && uri.getScheme() != "http") || uri.getHost().empty())
    return Status::invalid("gateway URL must be http://host:port or https://host:port, not " + url);
  Poco::Net::Context::Ptr tls;
  if (https) {
    Poco::Net::initializeSSL();
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.caLocation = ca_file;
    params.loadDefaultCAs = ca_file.empty();
    try {
      tls = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
      tls->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    } catch (const Poco::Exception& e) {
      return Status::invalid("TLS setup failed (CA file " + ca_file + "): " + e.displayText());
    }
  }
  return std::unique_ptr<HttpGateway>(
      new HttpGateway(uri.getHost(), uri.getPort(), std::move(token), timeout, tls));
}

Poco::Net::HTTPClientSession& HttpGateway::session() {
  if (!session_) {
    if (tls_)
      session_ = std::make_unique<Poco::Net::HTTPSClientSession>(host_, port_, tls_);
    else
      session_ = std::make_unique<Poco::Net::HTTPClientSession>(host_, port_);
    session_->setKeepAlive(true);
    // The gateway closes idle keep-alive connections; reconnect rather than write into one it
    // may be closing.
    session_->setKeepAliveTimeout(Poco::Timespan(2, 0));
    const auto ms = timeout_.count();
    session_->setTimeout(
        Poco::Timespan(static_cast<long>(ms / 1000), static_cast<long>(ms % 1000) * 1000));
  }
  return *session_;
}

Result<HttpGateway::Answer> HttpGateway::call(
    const std::string& method, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& content_type, const std::string& body) {
  try {
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    if (!token_.empty()) request.set("Authorization", "Bearer " + token_);
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!content_type.empty()) request.setContentType(content_type);
    if (method == "POST" || method == "PATCH" || !body.empty())
      request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    std::ostream& out = session().sendRequest(request);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    bytes_up_ += static_cast<int64_t>(body.size());
    Poco::Net::HTTPResponse response;
    std::istream& in = session().receiveResponse(response);
    Answer answer;
    answer.status = response.getStatus();
    if (method != "HEAD") Poco::StreamCopier::copyToString(in, answer.body);
    bytes_down_ += static_cast<int64_t>(answer.body.size());
    for (const auto& [name, value] : response) answer.headers.add(name, value);
    if (!response.getKeepAlive()) session_.reset();
    return answer;
  } catch (const Poco::Net::SSLException& e) {
    session_.reset();
    // A certificate the phone does not trust needs someone to fix the CA file or the gateway;
    // a handshake cut short by the Wi-Fi is just the Wi-Fi.
    if (e.displayText().find("certificate") != std::string::npos)
      return Status::permanent("gateway certificate refused: " + e.displayText());
    return Status::retry("gateway unreachable: " + e.displayText());
  } catch (const Poco::Exception& e) {
    session_.reset();
    return Status::retry("gateway unreachable: " + e.displayText());
  } catch (const std::exception& e) {
    session_.reset();
    return Status::retry(std::string("gateway unreachable: ") + e.what());
  }
}

Result<core::Json> HttpGateway::exchange(const core::Json& request) {
  auto answer = call("POST", "/v1/sync", {}, "application/json", request.dump());
  if (!answer.isOk()) return answer.status();
  if (Status s = statusOfAnswer(answer->status, answer->body); !s.isOk()) return s;
  auto json = core::Json::parse(answer->body, nullptr, false);
  if (!json.is_object()) return Status::retry("the gateway's sync answer is not a JSON object");
  return json;
}

Status HttpGateway::has(const std::string& sha256) {
  auto answer = call("HEAD", "/v1/attachments/" + sha256, {}, "", "");
  if (!answer.isOk()) return answer.status();
  return statusOfAnswer(answer->status, answer->body);
}

Result<UploadPosition> HttpGateway::create(const core::Attachment& a) {
  auto headers = kTus;
  headers.emplace_back("Upload-Length", std::to_string(a.size));
  headers.emplace_back("Upload-Metadata",
                       attachments::formatUploadMetadata({a.sha256, a.name, a.mime}));
  auto answer = call("POST", "/v1/uploads", headers, "", "");
  if (!answer.isOk()) return answer.status();
  if (Status s = statusOfAnswer(answer->status, answer->body); !s.isOk()) return s;
  UploadPosition position;
  position.location = answer->headers.get("Location", "");
  if (position.location.rfind("/v1/uploads/", 0) != 0)
    return Status::permanent("the gateway answered an upload without a Location");
  auto offset = offsetHeader(answer.value());
  if (!offset.isOk()) return offset.status();
  position.offset = offset.value();
  return position;
}

Result<int64_t> HttpGateway::offset(const std::string& location) {
  auto answer = call("HEAD", location, kTus, "", "");
  if (!answer.isOk()) return answer.status();
  if (Status s = statusOfAnswer(answer->status, answer->body); !s.isOk()) return s;
  return offsetHeader(answer.value());
}

Result<int64_t> HttpGateway::append(const std::string& location, int64_t offset,
                                    const std::string& bytes) {
  auto headers = kTus;
  headers.emplace_back("Upload-Offset", std::to_string(offset));
  auto answer = call("PATCH", location, headers, "application/offset+octet-stream", bytes);
  if (!answer.isOk()) return answer.status();
  // 409: the upload is elsewhere than we thought (a PATCH whose answer was lost, or one from
  // before an app kill that ended between our HEAD and this PATCH): the uploader asks again.
  if (answer->status == 409) return Status::conflict("upload offset moved");
  if (Status s = statusOfAnswer(answer->status, answer->body); !s.isOk()) return s;
  return offsetHeader(answer.value());
}

Result<std::string> HttpGateway::download(const std::string& sha256) {
  auto answer = call("GET", "/v1/attachments/" + sha256, {}, "", "");
  if (!answer.isOk()) return answer.status();
  if (Status s = statusOfAnswer(answer->status, answer->body); !s.isOk()) return s;
  return std::move(answer->body);
}

}  // namespace yard::device
