#include "tus_client.h"

#include <Poco/Crypto/DigestEngine.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <csignal>
#include <random>

#include "attachments/tus.h"

namespace yard::it {

std::string sha256Hex(const std::string& bytes) {
  Poco::Crypto::DigestEngine engine("SHA256");
  engine.update(bytes.data(), static_cast<unsigned>(bytes.size()));
  return Poco::Crypto::DigestEngine::digestToHex(engine.digest());
}

std::string randomBytes(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

HttpResponse TusClient::create(int64_t length, const std::string& sha256,
                               const std::string& token) {
  HttpRequest req;
  req.method = "POST";
  req.path = "/v1/uploads";
  req.token = token.empty() ? token_ : token;
  req.headers = {
      {"Tus-Resumable", "1.0.0"},
      {"Upload-Length", std::to_string(length)},
      {"Upload-Metadata", attachments::formatUploadMetadata({sha256, "photo.jpg", "image/jpeg"})}};
  return http_.request(req);
}

HttpResponse TusClient::head(const std::string& location) {
  HttpRequest req;
  req.method = "HEAD";
  req.path = location;
  req.token = token_;
  req.headers = {{"Tus-Resumable", "1.0.0"}};
  return http_.request(req);
}

HttpResponse TusClient::patch(const std::string& location, int64_t offset,
                              const std::string& bytes) {
  HttpRequest req;
  req.method = "PATCH";
  req.path = location;
  req.token = token_;
  req.raw_body_ref = &bytes;
  req.content_type = "application/offset+octet-stream";
  req.headers = {{"Tus-Resumable", "1.0.0"}, {"Upload-Offset", std::to_string(offset)}};
  return http_.request(req);
}

HttpResponse TusClient::upload(const std::string& bytes, const std::string& sha256) {
  HttpResponse created =
      create(static_cast<int64_t>(bytes.size()), sha256.empty() ? sha256Hex(bytes) : sha256);
  if (created.status != 201) return created;
  if (created.headers.get("Upload-Offset", "") == std::to_string(bytes.size())) return created;
  return patch(created.headers.get("Location"), 0, bytes);
}

HttpResponse TusClient::getAttachment(const std::string& sha256, const std::string& range) {
  HttpRequest req;
  req.path = "/v1/attachments/" + sha256;
  req.token = token_;
  if (!range.empty()) req.headers = {{"Range", range}};
  return http_.request(req);
}

void sendCutPatch(int port, const std::string& token, const std::string& location, int64_t offset,
                  const std::string& body, size_t send) {
  // The daemon may be killed under this sender: a write to the dead socket must fail, not kill
  // the test with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  Poco::Net::StreamSocket socket(
      Poco::Net::SocketAddress("127.0.0.1", static_cast<uint16_t>(port)));
  const std::string head = "PATCH " + location +
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                           "\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: " + std::to_string(offset) +
                           "\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n";
  socket.sendBytes(head.data(), static_cast<int>(head.size()));
  for (size_t sent = 0; sent < send;) {
    const int n = socket.sendBytes(body.data() + sent,
                                   static_cast<int>(std::min<size_t>(send - sent, 65536)));
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  socket.close();
}

}  // namespace yard::it
