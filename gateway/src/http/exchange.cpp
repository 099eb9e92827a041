#include "http/exchange.h"

#include "core/json_limits.h"

#include <Poco/DeflatingStream.h>
#include <Poco/InflatingStream.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cstring>

#include <istream>
#include <memory>
#include <sstream>

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
  // Upstream transports gzip large batches. The limit applies to the inflated size too, so a
  // small compressed body cannot expand into gigabytes.
  const std::string encoding = request_.get("Content-Encoding", "identity");
  std::unique_ptr<Poco::InflatingInputStream> inflate;
  if (encoding == "gzip") {
    inflate = std::make_unique<Poco::InflatingInputStream>(request_.stream(),
                                                           Poco::InflatingStreamBuf::STREAM_GZIP);
  } else if (encoding != "identity") {
    error(415, "unsupported_media_type", "Content-Encoding must be gzip or identity");
    return std::nullopt;
  }
  std::string body;
  if (!inflate && request_.hasContentLength() && request_.getContentLength64() >= 0 &&
      !request_.getChunkedTransferEncoding()) {
    // The usual case: one allocation (sync batches are tens of KiB, and every large free costs
    // glibc a consolidation pass), filled straight from the socket. A short body fails to parse.
    const auto length = static_cast<size_t>(request_.getContentLength64());  // <= max: above
    body.resize(length);
    size_t got = 0;
    while (got < length) {
      const size_t n = readBody(body.data() + got, length - got);
      if (n == 0) break;
      got += n;
    }
    body.resize(got);
    return parseBody(body);
  }
  std::istream& in = inflate ? static_cast<std::istream&>(*inflate) : request_.stream();
  char buffer[16384];
  try {
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
      body.append(buffer, static_cast<size_t>(in.gcount()));
      if (body.size() > max_body_bytes_) {
        error(
            413, "too_large",
            "the body is larger than max_request_bytes (" + std::to_string(max_body_bytes_) + ")");
        return std::nullopt;
      }
    }
  } catch (const Poco::IOException&) {
    error(400, "bad_request", "the gzip body is corrupt");
    return std::nullopt;
  }
  if (inflate && in.bad()) {
    error(400, "bad_request", "the gzip body is corrupt");
    return std::nullopt;
  }
  body_consumed_ = true;
  return parseBody(body);
}

std::optional<core::Json> Exchange::parseBody(const std::string& body) {
  bool too_deep = false;
  auto json = core::parseUntrustedJson(body, too_deep);
  if (too_deep) {
    error(400, "bad_json",
          "the body nests deeper than " + std::to_string(core::kMaxJsonDepth) + " levels");
    return std::nullopt;
  }
  if (json.is_discarded()) {
    error(400, "bad_json", "the body is not valid JSON");
    return std::nullopt;
  }
  return json;
}

size_t Exchange::readBody(char* buffer, size_t size) {
  if (body_left_ < 0) {
    body_left_ = request_.hasContentLength() ? request_.getContentLength64() : 0;
    body_consumed_ = true;
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request_);
    if (!impl) throw Poco::IllegalStateException("not a request read from a connection");
    impl->session().drainBuffer(buffered_);
    if (static_cast<int64_t>(buffered_.size()) > body_left_) {
      // The client sent its next request before this one's answer (HTTP pipelining, which no
      // phone or tus client does): what followed the body is gone with the buffer, so the
      // connection ends after this answer and the client sends it again.
      buffered_.resize(static_cast<size_t>(body_left_));
      response_.setKeepAlive(false);
    }
  }
  size = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(size), body_left_));
  if (size == 0) return 0;
  size_t got = 0;
  if (buffered_at_ < buffered_.size()) {
    got = std::min(size, buffered_.size() - buffered_at_);
    std::memcpy(buffer, buffered_.begin() + buffered_at_, got);
    buffered_at_ += got;
  } else {
    auto* impl = static_cast<Poco::Net::HTTPServerRequestImpl*>(&request_);
    const int n = impl->socket().receiveBytes(buffer, static_cast<int>(size));
    if (n <= 0) {
      response_.setKeepAlive(false);  // the client is gone, or the body is short
      return 0;
    }
    got = static_cast<size_t>(n);
  }
  body_left_ -= static_cast<int64_t>(got);
  return got;
}

void Exchange::settleUnreadBody() {
  if (body_left_ > 0) response_.setKeepAlive(false);  // readBody stopped part-way
  if (body_consumed_) return;
  body_consumed_ = true;
  // A body left unread would be parsed as the next request on this connection: a client's
  // next request would fail, and behind a pooling proxy it is request smuggling. Small bodies
  // are read and dropped so the connection stays usable; anything else closes it.
  constexpr int64_t kDrainLimit = 1 << 20;
  const bool chunked = request_.getChunkedTransferEncoding();
  const int64_t length = request_.hasContentLength() ? request_.getContentLength64() : 0;
  if (!chunked && length == 0) return;
  if (!chunked && length > kDrainLimit) {
    response_.setKeepAlive(false);
    return;
  }
  std::istream& in = request_.stream();
  char buffer[16384];
  int64_t drained = 0;
  while (drained <= kDrainLimit && (in.read(buffer, sizeof buffer) || in.gcount() > 0))
    drained += in.gcount();
  if (drained > kDrainLimit || in.bad()) response_.setKeepAlive(false);
}

void Exchange::replyText(int status, const std::string& content_type, const std::string& body) {
  replied_ = true;
  settleUnreadBody();
  response_.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response_.setContentType(content_type);
  if (!response_.has("Cache-Control")) response_.set("Cache-Control", "no-store");
  // Big pull pages go gzip'd to clients that ask (upstream transports do): on a one-bar WAN
  // the bytes cost more than the CPU.
  constexpr size_t kGzipFrom = 8 * 1024;
  if (body.size() >= kGzipFrom &&
      request_.get("Accept-Encoding", "").find("gzip") != std::string::npos) {
    std::ostringstream packed;
    Poco::DeflatingOutputStream z(packed, Poco::DeflatingStreamBuf::STREAM_GZIP);
    z.write(body.data(), static_cast<std::streamsize>(body.size()));
    z.close();
    const std::string out = packed.str();
    response_.set("Content-Encoding", "gzip");
    response_.sendBuffer(out.data(), out.size());
    return;
  }
  response_.sendBuffer(body.data(), body.size());
}

void Exchange::replyFile(int status, const std::string& content_type, const std::string& path) {
  settleUnreadBody();
  response_.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  if (!response_.has("Cache-Control")) response_.set("Cache-Control", "no-store");
  response_.sendFile(path, content_type);
  replied_ = true;
}

std::ostream& Exchange::replyStream(int status, const std::string& content_type, int64_t length) {
  settleUnreadBody();
  response_.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  if (!response_.has("Cache-Control")) response_.set("Cache-Control", "no-store");
  response_.setContentType(content_type);
  response_.setContentLength64(length);
  replied_ = true;
  return response_.send();
}

void Exchange::reply(int status, const core::Json& body) {
  replyText(status, "application/json",
            body.dump(-1, ' ', false, core::Json::error_handler_t::replace));
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
