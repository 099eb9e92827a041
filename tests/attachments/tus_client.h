#pragma once

// A small tus 1.0 client for the tests, on the integration harness's HttpClient, plus a raw
// socket sender that cuts a PATCH off part-way (what a phone losing Wi-Fi does).

#include <string>

#include "harness/http_client.h"

namespace yard::it {

std::string sha256Hex(const std::string& bytes);
// Deterministic pseudo-random bytes (a stand-in for a JPEG: incompressible).
std::string randomBytes(size_t size, unsigned seed);

class TusClient {
 public:
  TusClient(int port, std::string token) : http_(port), token_(std::move(token)) {}

  // POST /v1/uploads for bytes of length, declaring sha256 (default: the real digest).
  HttpResponse create(int64_t length, const std::string& sha256, const std::string& token = "");
  HttpResponse head(const std::string& location);
  HttpResponse patch(const std::string& location, int64_t offset, const std::string& bytes);
  // Creates and sends bytes whole in one PATCH; returns the PATCH answer (or the POST answer
  // when the POST failed or the upload was complete at once). sha256: their digest, computed
  // here when not given (a phone hashes a photo when it is taken, not when it uploads it).
  HttpResponse upload(const std::string& bytes, const std::string& sha256 = "");
  HttpResponse getAttachment(const std::string& sha256, const std::string& range = "");

  HttpClient& http() { return http_; }
  const std::string& token() const { return token_; }

 private:
  HttpClient http_;
  std::string token_;
};

// Sends a PATCH of declared_length bytes at offset over a fresh connection, writes only the
// first `send` bytes of body, and closes the socket without waiting for an answer.
void sendCutPatch(int port, const std::string& token, const std::string& location, int64_t offset,
                  const std::string& body, size_t send);

}  // namespace yard::it
