#include "status/assets.h"
#include "status/routes.h"

namespace yard::status {
namespace {

// The page loads nothing but its own files and talks only to this gateway.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void serve(http::Exchange& ex, const Asset& asset) {
  auto& response = ex.response();
  // Revalidated on every load (no-cache), answered 304 while the binary is the same.
  response.set("Cache-Control", "no-cache");
  response.set("ETag", std::string(asset.etag));
  response.set("X-Content-Type-Options", "nosniff");
  if (asset.content_type.starts_with("text/html")) {
    response.set("Content-Security-Policy", kPagePolicy);
    response.set("X-Frame-Options", "DENY");
    response.set("Referrer-Policy", "no-referrer");
  }
  if (ex.request().get("If-None-Match", "") == asset.etag)
    return ex.replyText(304, std::string(asset.content_type), "");
  ex.replyText(200, std::string(asset.content_type), std::string(asset.body));
}

}  // namespace

void addStatusPageRoutes(http::Router& router) {
  for (const Asset& asset : embeddedAssets()) {
    auto handler = [&asset](http::Exchange& ex) { serve(ex, asset); };
    router.add({"GET", std::string(asset.path), http::Access::kPublic, handler});
    if (asset.path == "/status/index.html")
      router.add({"GET", "/", http::Access::kPublic, handler});
  }
}

}  // namespace yard::status
