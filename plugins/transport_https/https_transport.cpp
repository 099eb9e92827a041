#include "https_transport.h"

#include "http_exchange.h"
#include "yard/secret_file.hpp"

#include <Poco/DeflatingStream.h>
#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>

#include <chrono>
#include <sstream>

namespace yard::transport_https {
namespace {

using Poco::Net::HTTPRequest;

// Below this a gzip'd body saves less than the CPU it costs on a site box.
constexpr size_t kGzipFrom = 8 * 1024;

std::string gzip(const char* data, size_t len) {
  std::ostringstream out;
  Poco::DeflatingOutputStream z(out, Poco::DeflatingStreamBuf::STREAM_GZIP);
  z.write(data, static_cast<std::streamsize>(len));
  z.close();
  return out.str();
}

}  // namespace

HttpsTransport::HttpsTransport(sdk::Host host, Poco::URI base, std::string token,
                               Poco::Net::Context::Ptr tls, int timeout_s)
    : host_(host),
      base_(std::move(base)),
      token_(std::move(token)),
      tls_(tls),
      timeout_s_(timeout_s) {}

yard_rc HttpsTransport::open(const sdk::Host& host, std::unique_ptr<HttpsTransport>& out,
                             yard_error* err) {
  const std::string url = host.config("url", "");
  Poco::URI base;
  try {
    base = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    return sdk::fail(err, YARD_INVALID, "url is not a URL: " + e.displayText());
  }
  if (base.getScheme() != "https" && base.getScheme() != "http")
    return sdk::fail(err, YARD_INVALID, "url must start with https:// or http://");
  std::string why;
  const std::string token_file = host.config("token_file", "");
  if (token_file.empty()) return sdk::fail(err, YARD_INVALID, "token_file is required");
  std::string token = sdk::readSecretFile(token_file, "token_file", why);
  if (token.empty()) return sdk::fail(err, YARD_INVALID, why);
  int timeout_s = 30;
  if (auto t = host.config("timeout_s")) timeout_s = std::max(1, std::atoi(t->c_str()));

  Poco::Net::Context::Ptr tls;
  if (base.getScheme() == "https") {
    Poco::Net::initializeSSL();
    const std::string ca = host.config("ca_file", "");
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.caLocation = ca;
    params.loadDefaultCAs = ca.empty();
    params.certificateFile = host.config("client_cert", "");
    params.privateKeyFile = host.config("client_key", params.certificateFile);
    try {
      tls = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
      tls->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    } catch (const Poco::Exception& e) {
      return sdk::fail(err, YARD_INVALID, "TLS setup failed: " + e.displayText());
    }
  }
  out.reset(new HttpsTransport(host, base, token, tls, timeout_s));
  host.info("upstream " + base.getScheme() + "://" + base.getAuthority());
  return YARD_OK;
}

std::unique_ptr<Poco::Net::HTTPClientSession> HttpsTransport::takeSession() {
  {
    std::lock_guard lock(idle_mu_);
    if (!idle_.empty()) {
      auto session = std::move(idle_.back());
      idle_.pop_back();
      return session;
    }
  }
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (tls_)
    session =
        std::make_unique<Poco::Net::HTTPSClientSession>(base_.getHost(), base_.getPort(), tls_);
  else
    session = std::make_unique<Poco::Net::HTTPClientSession>(base_.getHost(), base_.getPort());
  session->setTimeout(Poco::Timespan(timeout_s_, 0));
  session->setKeepAlive(true);
  // Below the upstream server's own keep-alive timeout (5 s by default): reusing a connection
  // the server has just closed fails the request ("No message received") and costs a round.
  session->setKeepAliveTimeout(Poco::Timespan(3, 0));
  return session;
}

void HttpsTransport::keepSession(std::unique_ptr<Poco::Net::HTTPClientSession> session) {
  std::lock_guard lock(idle_mu_);
  idle_.push_back(std::move(session));
}

std::string HttpsTransport::path(const std::string& tail) const {
  std::string p = base_.getPath();
  while (!p.empty() && p.back() == '/') p.pop_back();
  return p + tail;
}

yard_rc HttpsTransport::sync(const char* request, size_t len, yard_text_fn fn, void* ctx,
                             yard_error* err) {
  HttpExchange ex(*this, HTTPRequest::HTTP_POST, path("/v1/sync"));
  ex.request().setContentType("application/json");
  const bool pack = gzip_.worthIt();
  if (!pack) ex.request().set("Accept-Encoding", "identity");
  std::string body;
  if (pack && len >= kGzipFrom) {
    const auto t0 = std::chrono::steady_clock::now();
    body = gzip(request, len);
    gzip_.packed(len, body.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    ex.request().set("Content-Encoding", "gzip");
  } else {
    body.assign(request, len);
  }
  yard_rc rc = ex.run(body, err);
  if (rc == YARD_OK) gzip_.received(static_cast<size_t>(ex.bodyWireBytes()), ex.bodySeconds());
  if (rc == YARD_NOT_FOUND) return sdk::fail(err, YARD_PERMANENT, "upstream has no /v1/sync");
  if (rc != YARD_OK) return rc;
  host_.count("sync_bytes_sent", static_cast<double>(body.size()));
  host_.count("sync_bytes_received", static_cast<double>(ex.body().size()));
  fn(ctx, ex.body().c_str());
  return YARD_OK;
}

yard_rc HttpsTransport::probe(yard_error* err) {
  HttpExchange ex(*this, HTTPRequest::HTTP_GET, path("/healthz"));
  yard_rc rc = ex.run("", err);
  return rc == YARD_OK ? YARD_OK : sdk::fail(err, YARD_RETRY, "upstream health check failed");
}

}  // namespace yard::transport_https
