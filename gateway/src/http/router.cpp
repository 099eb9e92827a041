#include "http/router.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include "auth/token.h"

namespace yard::http {
namespace {

class Dispatch : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Dispatch(Router& router) : router_(router) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    router_.handle(request, response);
  }

 private:
  Router& router_;
};

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

Router::Router(auth::DeviceRegistry& devices, std::string admin_token_hash, size_t max_body_bytes)
    : devices_(devices),
      admin_token_hash_(std::move(admin_token_hash)),
      max_body_bytes_(max_body_bytes) {}

void Router::add(Route route) { routes_.push_back(std::move(route)); }

Poco::Net::HTTPRequestHandler* Router::createRequestHandler(const Poco::Net::HTTPServerRequest&) {
  return new Dispatch(*this);
}

const Route* Router::match(const std::string& method, const std::string& path, Exchange& ex,
                           bool& path_known) const {
  const auto segments = split(path);
  path_known = false;
  for (const auto& route : routes_) {
    const auto pattern = split(route.pattern);
    if (pattern.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; ok && i < pattern.size(); ++i) {
      const auto& p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        ok = !segments[i].empty();
        params[p.substr(1, p.size() - 2)] = segments[i];
      } else {
        ok = p == segments[i];
      }
    }
    if (!ok) continue;
    path_known = true;
    if (route.method != method && !(method == "HEAD" && route.method == "GET")) continue;
    ex.params = std::move(params);
    return &route;
  }
  return nullptr;
}

bool Router::authenticate(Exchange& ex, Access access) {
  if (access == Access::kPublic) return true;
  const std::string token = auth::bearerToken(ex.request().get("Authorization", ""));
  if (token.empty()) {
    ex.error(401, "unauthorized", "send Authorization: Bearer <token>");
    return false;
  }
  if (auth::constantTimeEquals(auth::hashToken(token), admin_token_hash_)) {
    ex.principal.admin = true;
    return true;
  }
  auto device = devices_.authenticate(token);
  if (!device.isOk()) {
    ex.error(device.status());
    return false;
  }
  if (!device->has_value()) {
    ex.error(401, "unauthorized", "the token is not valid (unknown or revoked)");
    return false;
  }
  if (access == Access::kAdmin) {
    ex.error(403, "forbidden", "this endpoint needs the admin token");
    return false;
  }
  const auto& row = **device;
  ex.principal.device = sync::Caller{row.id, row.site, row.operator_id, row.node, "http"};
  return true;
}

void Router::handle(Poco::Net::HTTPServerRequest& request,
                    Poco::Net::HTTPServerResponse& response) {
  ++in_flight_;
  Exchange ex(request, response, max_body_bytes_);
  try {
    std::string path;
    try {
      path = Poco::URI(request.getURI()).getPath();
    } catch (const Poco::Exception&) {
      path.clear();
    }
    bool path_known = false;
    const Route* route = path.empty() || path.front() != '/'
                             ? nullptr
                             : match(request.getMethod(), path, ex, path_known);
    if (route == nullptr) {
      if (path_known)
        ex.error(405, "method_not_allowed", request.getMethod() + " is not allowed on " + path);
      else
        ex.error(404, "not_found", "no such endpoint");
    } else if (authenticate(ex, route->access)) {
      route->handler(ex);
      if (!ex.replied()) ex.error(500, "internal", "the handler gave no answer");
    }
  } catch (const std::exception& e) {
    spdlog::error("[http] {} {} failed: {}", request.getMethod(), request.getURI().substr(0, 200),
                  e.what());
    if (!ex.replied() && !response.sent()) ex.error(500, "internal", "internal error; see the log");
  }
  ++served_;
  ++by_class_[(response.getStatus() / 100) % 6];
  --in_flight_;
}

}  // namespace yard::http
