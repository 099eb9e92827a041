#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/NameValueCollection.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace yard::it {

using Json = nlohmann::json;

struct HttpRequest {
  std::string method = "GET";
  std::string path = "/";
  std::optional<Json> json;             // sent as application/json
  std::optional<std::string> raw_body;  // sent as is, with content_type
  // Instead of raw_body, for big bodies: sent as is without a copy; must outlive the call.
  const std::string* raw_body_ref = nullptr;
  std::string content_type = "application/json";
  std::string token;  // "Authorization: Bearer <token>" when not empty
  std::vector<std::pair<std::string, std::string>> headers;
  bool chunked = false;  // Transfer-Encoding: chunked instead of Content-Length
};

struct HttpResponse {
  int status = 0;
  std::string reason;                      // the status line's reason phrase
  Poco::Net::NameValueCollection headers;  // case-insensitive names
  std::string raw;
  Json json;  // the parsed body; discarded (is_discarded()) when it is not JSON

  bool isJson() const { return !json.is_discarded(); }
  // For failure messages: "413 {...body...}".
  std::string describe() const;
};

// A minimal HTTP/1.1 client on one keep-alive connection to 127.0.0.1:port. A network error
// (refused, reset, timeout) throws Poco::Exception and drops the connection; the next request
// reconnects. Not thread-safe: one client per thread.
class HttpClient {
 public:
  explicit HttpClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // The token used when a request names none.
  void setToken(std::string token) { token_ = std::move(token); }
  // Points the client at another port (a restarted daemon) and drops the connection.
  void setPort(int port);

  HttpResponse request(const HttpRequest& request);
  HttpResponse get(const std::string& path);
  HttpResponse post(const std::string& path, const Json& body);
  HttpResponse del(const std::string& path);

  // Closes the connection; the next request opens a new one.
  void reset();

 private:
  int port_;
  std::chrono::milliseconds timeout_;
  std::string token_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

}  // namespace yard::it
