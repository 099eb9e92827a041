#pragma once

#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <memory>
#include <string>

#include "core/status.h"
#include "http/router.h"

namespace yard::http {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8080;       // 0: any free port (tests), see boundPort()
  std::string tls_cert;  // PEM files; both set: HTTPS only
  std::string tls_key;
  // POCO serves one connection per thread; an idle keep-alive phone holds its thread until the
  // keep-alive timeout, so the pool is sized for a yard full of phones and idle ones are let go
  // quickly.
  int max_threads = 256;
  int keepalive_s = 5;
  int max_queued = 1024;
};

// The HTTP(S) listener. stop() stops accepting, lets requests in flight finish (up to a
// deadline), closes idle keep-alive connections and returns.
class HttpServer {
 public:
  HttpServer(const HttpOptions& options, Poco::SharedPtr<Router> router);
  ~HttpServer();

  Status start();
  void stop(int drain_timeout_ms = 10000);
  int boundPort() const { return port_; }

 private:
  HttpOptions options_;
  Poco::SharedPtr<Router> router_;  // also held by server_ as its handler factory
  Poco::ThreadPool pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;
};

}  // namespace yard::http
