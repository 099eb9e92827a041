#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "auth/device_registry.h"
#include "http/exchange.h"

namespace yard::http {

// Who may call a route.
enum class Access {
  kPublic,  // /healthz and the status page shell (which holds no data)
  kDevice,  // a device, node client, or the admin token
  kAdmin    // the admin token only
};

struct Route {
  std::string method;
  std::string pattern;  // "/v1/admin/devices/{id}": {name} matches one non-empty segment
  Access access;
  std::function<void(Exchange&)> handler;
};

// Authenticates every request, dispatches it to its route, and guarantees a JSON answer: 404
// for unknown paths, 405 for a known path with another method, 401/403 for tokens, 500 (with
// the details only in the log) for a handler that threw. Counts requests in flight so shutdown
// can drain them. Thread-safe.
class Router : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Router(auth::DeviceRegistry& devices, std::string admin_token_hash, size_t max_body_bytes);

  void add(Route route);

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

  void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  int inFlight() const { return in_flight_.load(); }
  uint64_t requestsServed() const { return served_.load(); }
  // Responses by status class, for /metrics: index 2..5 -> 2xx..5xx.
  uint64_t responses(int status_class) const { return by_class_[status_class % 6].load(); }

 private:
  bool authenticate(Exchange& ex, Access access);
  const Route* match(const std::string& method, const std::string& path, Exchange& ex,
                     bool& path_known) const;

  auth::DeviceRegistry& devices_;
  std::string admin_token_hash_;
  size_t max_body_bytes_;
  std::vector<Route> routes_;
  std::atomic<int> in_flight_{0};
  std::atomic<uint64_t> served_{0};
  std::atomic<uint64_t> by_class_[6]{};
};

}  // namespace yard::http
