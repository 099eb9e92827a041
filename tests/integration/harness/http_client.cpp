#include "harness/http_client.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <sstream>

namespace yard::it {

std::string HttpResponse::describe() const {
  return std::to_string(status) + " " + raw.substr(0, 2000);
}

HttpClient::HttpClient(int port, std::chrono::milliseconds timeout)
    : port_(port), timeout_(timeout) {}

void HttpClient::setPort(int port) {
  port_ = port;
  reset();
}

void HttpClient::reset() { session_.reset(); }

HttpResponse HttpClient::request(const HttpRequest& req) {
  if (!session_) {
    session_ = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1",
                                                              static_cast<Poco::UInt16>(port_));
    session_->setKeepAlive(true);
    // Reconnect rather than reuse a connection idle for longer than this: the daemon closes
    // idle keep-alive connections after a few seconds.
    session_->setKeepAliveTimeout(Poco::Timespan(2, 0));
    session_->setTimeout(Poco::Timespan(static_cast<long>(timeout_.count() / 1000),
                                        static_cast<long>(timeout_.count() % 1000) * 1000));
  }
  try {
    Poco::Net::HTTPRequest request(req.method, req.path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    const std::string& token = req.token.empty() ? token_ : req.token;
    if (!token.empty()) request.set("Authorization", "Bearer " + token);
    for (const auto& [name, value] : req.headers) request.set(name, value);

    std::string dumped;
    const std::string* body = nullptr;
    if (req.json) {
      dumped = req.json->dump();
      body = &dumped;
    } else if (req.raw_body) {
      body = &*req.raw_body;
    } else {
      body = req.raw_body_ref;
    }
    if (body) {
      request.setContentType(req.content_type);
      if (req.chunked)
        request.setChunkedTransferEncoding(true);
      else
        request.setContentLength64(static_cast<Poco::Int64>(body->size()));
    }
    std::ostream& out = session_->sendRequest(request);
    constexpr size_t kBigBody = 64 * 1024;
    if (body && !req.chunked && body->size() >= kBigBody) {
      // Straight to the socket in big pieces, after the headers (POCO holds them in the body
      // stream's buffer): its stream would send 4 KiB at a time, and a benchmark's client
      // should cost as little as a phone's.
      out.flush();
      constexpr size_t kPiece = 256 * 1024;
      for (size_t sent = 0; sent < body->size();) {
        const int n = session_->socket().sendBytes(
            body->data() + sent, static_cast<int>(std::min(kPiece, body->size() - sent)));
        if (n <= 0) throw Poco::IOException("the connection closed while sending the body");
        sent += static_cast<size_t>(n);
      }
    } else if (body) {
      out.write(body->data(), static_cast<std::streamsize>(body->size()));
    }

    Poco::Net::HTTPResponse response;
    std::istream& in = session_->receiveResponse(response);
    HttpResponse result;
    result.status = static_cast<int>(response.getStatus());
    result.reason = response.getReason();
    for (const auto& [name, value] : response) result.headers.add(name, value);
    std::ostringstream text;
    Poco::StreamCopier::copyStream(in, text);
    result.raw = text.str();
    result.json = Json::parse(result.raw, nullptr, false);
    if (!response.getKeepAlive()) session_->reset();
    return result;
  } catch (...) {
    // Whatever state the connection is in, it cannot carry another request.
    session_.reset();
    throw;
  }
}

HttpResponse HttpClient::get(const std::string& path) {
  HttpRequest req;
  req.path = path;
  return request(req);
}

HttpResponse HttpClient::post(const std::string& path, const Json& body) {
  HttpRequest req;
  req.method = "POST";
  req.path = path;
  req.json = body;
  return request(req);
}

HttpResponse HttpClient::del(const std::string& path) {
  HttpRequest req;
  req.method = "DELETE";
  req.path = path;
  return request(req);
}

}  // namespace yard::it
