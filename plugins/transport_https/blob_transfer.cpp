// The https transport's attachment calls: a tus 1.0 client of the upstream node's own upload
// endpoints (DESIGN §6). HEAD first, so nothing upstream holds is sent again; an upload cut
// by the WAN resumes from the offset upstream reports.

#include <Poco/Base64Encoder.h>
#include <Poco/File.h>
#include <Poco/Net/HTTPRequest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "http_exchange.h"
#include "https_transport.h"

namespace yard::transport_https {
namespace {

using Poco::Net::HTTPRequest;

std::string base64(const std::string& text) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << text;
  encoder.close();
  return out.str();
}

std::string readNote(const std::string& file) {
  std::ifstream in(file);
  std::string location;
  in >> location;
  return location.rfind("/v1/uploads/", 0) == 0 ? location : std::string();
}

void tus(HttpExchange& ex) { ex.request().set("Tus-Resumable", "1.0.0"); }

}  // namespace

std::string HttpsTransport::uploadNoteFile(const std::string& sha256) const {
  return host_.dataDir() + "/upstream-uploads/" + sha256;
}

yard_rc HttpsTransport::blobHas(const char* sha256, yard_error* err) {
  HttpExchange ex(*this, HTTPRequest::HTTP_HEAD, path("/v1/attachments/" + std::string(sha256)));
  return ex.run("", err);
}

yard_rc HttpsTransport::blobPush(const char* sha256, const char* file, int64_t size,
                                 const char* mime, yard_error* err) {
  if (yard_rc rc = blobHas(sha256, err); rc != YARD_NOT_FOUND) return rc;
  const std::string note = uploadNoteFile(sha256);
  std::string location = readNote(note);
  int64_t offset = 0;
  if (!location.empty()) {  // resume: where is it?
    HttpExchange head(*this, HTTPRequest::HTTP_HEAD, path(location));
    tus(head);
    yard_rc rc = head.run("", err);
    if (rc == YARD_OK)
      offset = std::atoll(head.response().get("Upload-Offset", "0").c_str());
    else if (rc == YARD_NOT_FOUND)
      location.clear();  // expired upstream: start again
    else
      return rc;
  }
  if (location.empty()) {
    HttpExchange post(*this, HTTPRequest::HTTP_POST, path("/v1/uploads"));
    tus(post);
    post.request().set("Upload-Length", std::to_string(size));
    post.request().set("Upload-Metadata", "sha256 " + base64(sha256) + ",filetype " + base64(mime));
    if (yard_rc rc = post.run("", err); rc != YARD_OK)
      return rc == YARD_NOT_FOUND ? sdk::fail(err, YARD_PERMANENT, "upstream has no /v1/uploads")
                                  : rc;
    location = post.response().get("Location", "");
    if (location.rfind("/v1/uploads/", 0) != 0)
      return sdk::fail(err, YARD_PERMANENT, "upstream answered an upload without a Location");
    offset = std::atoll(post.response().get("Upload-Offset", "0").c_str());
    Poco::File(host_.dataDir() + "/upstream-uploads").createDirectories();
    std::ofstream(note) << location << "\n";
  }
  if (offset < size) {
    std::ifstream in(file, std::ios::binary);
    if (!in.seekg(offset)) return sdk::fail(err, YARD_PERMANENT, "cannot read the attachment");
    HttpExchange patch(*this, "PATCH", path(location));
    tus(patch);
    patch.request().set("Upload-Offset", std::to_string(offset));
    patch.request().setContentType("application/offset+octet-stream");
    yard_rc rc = patch.run(in, size - offset, err);
    // 409: upstream moved on (another push got further); the next try HEADs it again.
    if (patch.response().getStatus() == 409) return sdk::fail(err, YARD_RETRY, "offset moved");
    if (rc == YARD_NOT_FOUND) ::unlink(note.c_str());
    if (rc != YARD_OK) return rc;
    host_.count("blob_bytes_sent", static_cast<double>(size - offset));
  }
  ::unlink(note.c_str());
  return YARD_OK;
}

yard_rc HttpsTransport::blobFetch(const char* sha256, const char* dest_path, yard_error* err) {
  std::ofstream out(dest_path, std::ios::binary | std::ios::trunc);
  if (!out) return sdk::fail(err, YARD_PERMANENT, "cannot write the fetched attachment");
  HttpExchange ex(*this, HTTPRequest::HTTP_GET, path("/v1/attachments/" + std::string(sha256)));
  ex.streamBodyTo(&out);
  yard_rc rc = ex.run("", err);
  out.close();
  if (rc == YARD_OK && !out) return sdk::fail(err, YARD_PERMANENT, "cannot write the attachment");
  return rc;
}

}  // namespace yard::transport_https
