#pragma once

#include <Poco/Buffer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <map>
#include <optional>
#include <string>

#include "core/record.h"
#include "core/status.h"
#include "sync/caller.h"

namespace yard::http {

// Who a request is from, once its bearer token checked out.
struct Principal {
  bool admin = false;
  std::optional<sync::Caller> device;  // set for device and node tokens
};

// One HTTP request being answered: the request, its path parameters and principal, and the
// helpers every handler uses so that each response sets its length (keep-alive) and every error
// is {"error","message"} JSON.
class Exchange {
 public:
  Exchange(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
           size_t max_body_bytes)
      : request_(request), response_(response), max_body_bytes_(max_body_bytes) {}

  Poco::Net::HTTPServerRequest& request() { return request_; }
  Poco::Net::HTTPServerResponse& response() { return response_; }

  std::map<std::string, std::string> params;  // from {name} segments of the route
  Principal principal;

  // Reads and parses a JSON request body. Errors: 415 (not application/json), 413 (over the
  // limit, before reading it when Content-Length says so), 400 (not JSON). On error the reply
  // has been sent and nullopt is returned.
  std::optional<core::Json> jsonBody();

  // Reads up to size bytes of a Content-Length body straight from the connection, as the
  // socket delivers them (POCO's body stream reads 4 KiB per system call). Returns 0 once the
  // whole body is read, and when the client closed the connection early; throws
  // Poco::Exception when the connection fails or times out. The body is read either this way
  // or through request().stream(), never both.
  size_t readBody(char* buffer, size_t size);

  void reply(int status, const core::Json& body);
  // Sends Cache-Control: no-store unless the handler set a Cache-Control of its own.
  void replyText(int status, const std::string& content_type, const std::string& body);
  // Streams the file at path as the body, with its length. Throws (nothing sent) if it cannot be
  // opened.
  void replyFile(int status, const std::string& content_type, const std::string& path);
  // Sends the headers with a Content-Length of length and returns the stream to write exactly
  // length bytes of body to (for a HEAD request, a stream that discards them).
  std::ostream& replyStream(int status, const std::string& content_type, int64_t length);
  void error(int status, const std::string& code, const std::string& message);
  // Maps a Status to its HTTP status and error code.
  void error(const Status& status);
  bool replied() const { return replied_; }

  // A query-string parameter, or fallback.
  std::string query(const std::string& name, const std::string& fallback = "") const;

 private:
  void settleUnreadBody();
  // jsonBody's last step: 400 unless body is JSON within the depth limit.
  std::optional<core::Json> parseBody(const std::string& body);

  Poco::Net::HTTPServerRequest& request_;
  Poco::Net::HTTPServerResponse& response_;
  size_t max_body_bytes_;
  bool replied_ = false;
  bool body_consumed_ = false;
  // readBody's state: body bytes not yet read (-1: not started), and what POCO had buffered
  // past the headers when it started.
  int64_t body_left_ = -1;
  Poco::Buffer<char> buffered_{0};
  size_t buffered_at_ = 0;
};

}  // namespace yard::http
