#include "http/http_server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

namespace yard::http {

HttpServer::HttpServer(const HttpOptions& options, Poco::SharedPtr<Router> router)
    : options_(options), router_(router), pool_("http", 4, options.max_threads + 4) {}

HttpServer::~HttpServer() { stop(0); }

Status HttpServer::start() {
  try {
    Poco::Net::SocketAddress address(options_.host, static_cast<Poco::UInt16>(options_.port));
    std::unique_ptr<Poco::Net::ServerSocket> socket;
    if (!options_.tls_cert.empty()) {
      Poco::Net::Context::Ptr context =
          new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, options_.tls_key,
                                 options_.tls_cert, "", Poco::Net::Context::VERIFY_NONE);
      context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
      socket = std::make_unique<Poco::Net::SecureServerSocket>(address, 128, context);
    } else {
      socket = std::make_unique<Poco::Net::ServerSocket>(address, 128);
    }
    port_ = socket->address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(options_.max_threads);
    params->setMaxQueued(options_.max_queued);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(options_.keepalive_s, 0));
    params->setMaxKeepAliveRequests(10000);
    params->setTimeout(Poco::Timespan(30, 0));
    params->setServerName("yard-gateway");
    server_ = std::make_unique<Poco::Net::HTTPServer>(
        Poco::Net::HTTPRequestHandlerFactory::Ptr(router_), pool_, *socket, params);
    server_->start();
  } catch (const Poco::Exception& e) {
    return Status::permanent("cannot listen on " + options_.host + ":" +
                             std::to_string(options_.port) + ": " + e.displayText());
  }
  spdlog::info("[http] listening on {}:{}{}", options_.host, port_,
               options_.tls_cert.empty() ? "" : " (TLS)");
  return Status::ok();
}

void HttpServer::stop(int drain_timeout_ms) {
  if (!server_) return;
  server_->stopAll(false);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_timeout_ms);
  while (router_->inFlight() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (router_->inFlight() > 0) {
    spdlog::warn("[http] {} requests still running after {} ms; aborting them", router_->inFlight(),
                 drain_timeout_ms);
    server_->stopAll(true);
  }
  pool_.joinAll();
  server_.reset();
}

}  // namespace yard::http
