#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/URI.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gzip_policy.h"
#include "yard/plugin.hpp"

namespace yard::transport_https {

// Talks to the upstream node's HTTP API (DESIGN §4, §6) over HTTPS, CA-verified with an
// optional client certificate, or over plain http:// for loopback tests and TLS-terminating
// proxies. Keep-alive sessions, one per call running at once, each dropped after a failure.
// Large requests go gzip'd (the yard-gateway server inflates them) and answers are asked for
// gzip'd, as long as gzip pays on the link (GzipPolicy).
class HttpsTransport {
 public:
  // Syncs at once, each on its own connection: they keep a slow link busy while upstream
  // decides (yard/plugin.h, ABI 1.2).
  static constexpr uint32_t kConcurrentSyncs = 3;

  static yard_rc open(const sdk::Host& host, std::unique_ptr<HttpsTransport>& out, yard_error* err);

  yard_rc sync(const char* request, size_t len, yard_text_fn fn, void* ctx, yard_error* err);
  yard_rc probe(yard_error* err);

  // Attachments (blob_transfer.cpp): a tus client of upstream's own /v1/uploads and
  // /v1/attachments (DESIGN §6).
  yard_rc blobHas(const char* sha256, yard_error* err);
  yard_rc blobPush(const char* sha256, const char* path, int64_t size, const char* mime,
                   yard_error* err);
  yard_rc blobFetch(const char* sha256, const char* dest_path, yard_error* err);

 private:
  HttpsTransport(sdk::Host host, Poco::URI base, std::string token, Poco::Net::Context::Ptr tls,
                 int timeout_s);
  // An idle keep-alive session, or a new one; given back with keepSession after a clean
  // exchange, simply dropped after a failure (the next call reconnects).
  std::unique_ptr<Poco::Net::HTTPClientSession> takeSession();
  void keepSession(std::unique_ptr<Poco::Net::HTTPClientSession> session);
  std::string path(const std::string& tail) const;
  // Where the upload of sha256 lives at upstream (a tus Location), remembered in the data dir
  // so a push cut by the WAN or a restart resumes instead of starting over.
  std::string uploadNoteFile(const std::string& sha256) const;

  sdk::Host host_;
  Poco::URI base_;
  std::string token_;
  Poco::Net::Context::Ptr tls_;  // null for http://
  int timeout_s_;
  GzipPolicy gzip_;
  std::mutex idle_mu_;
  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> idle_;

  friend class HttpExchange;
};

}  // namespace yard::transport_https
