#include "http/exchange.h"

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/URI.h>

#include <istream>

namespace yard::http {

std::optional<core::Json> Exchange::jsonBody() {
  const std::string type = request_.getContentType();
  if (type.rfind("application/json", 0) != 0) {
    error(415, "unsupported_media_type", "send the body as application/json");
    return std::nullopt;
  }
  if (request_.hasContentLength() &&
      request_.getContentLength64() > static_cast<int64_t>(max_body_bytes_)) {
    error(413, "too_large",
          "the body is larger than max_request_bytes (" + std::to_string(max_body_bytes_) + ")");
    return std::nullopt;
  }
  std::string body;
  std::istream& in = request_.stream();
  char buffer[16384];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    body.append(buffer, static_cast<size_t>(in.gcount()));
    if (body.size() > max_body_bytes_) {
      error(413, "too_large",
            "the body is larger than max_request_bytes (" + std::to_string(max_body_bytes_) + ")");
      return std::nullopt;
    }
  }
  auto json = core::Json::parse(body, nullptr, false);
  if (json.is_discarded()) {
    error(400, "bad_json", "the body is not valid JSON");
    return std::nullopt;
  }
  return json;
}

void Exchange::replyText(int status, const std::string& content_type, const std::string& body) {
  replied_ = true;
  response_.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response_.setContentType(content_type);
  response_.set("Cache-Control", "no-store");
  response_.sendBuffer(body.data(), body.size());
}

void Exchange::reply(int status, const core::Json& body) {
  replyText(status, "application/json", body.dump(-1, ' ', false,
                                                  core::Json::error_handler_t::replace));
}

void Exchange::error(int status, const std::string& code, const std::string& message) {
  if (status == 401) response_.set("WWW-Authenticate", "Bearer");
  reply(status, core::Json{{"error", code}, {"message", message}});
}

void Exchange::error(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return;
    case Code::kInvalid:
      return error(400, "bad_request", status.message());
    case Code::kForbidden:
      return error(403, "forbidden", status.message());
    case Code::kNotFound:
      return error(404, "not_found", status.message());
    case Code::kConflict:
      return error(409, "conflict", status.message());
    case Code::kRetry:
      response_.set("Retry-After", "1");
      return error(503, "unavailable", status.message());
    case Code::kPermanent:
      return error(500, "internal", status.message());
  }
}

std::string Exchange::query(const std::string& name, const std::string& fallback) const {
  Poco::URI uri(request_.getURI());
  for (const auto& [key, value] : uri.getQueryParameters())
    if (key == name) return value;
  return fallback;
}

}  // namespace yard::http
