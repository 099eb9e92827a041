#include "auth/token.h"

#include <Poco/Base64Encoder.h>
#include <Poco/DigestEngine.h>
#include <Poco/RandomStream.h>
#include <Poco/SHA2Engine.h>

#include <sstream>

namespace yard::auth {

std::string generateToken(std::string_view prefix) {
  char bytes[32];
  Poco::RandomInputStream random;
  random.read(bytes, sizeof bytes);
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder.write(bytes, sizeof bytes);
  encoder.close();
  return std::string(prefix) + out.str();
}

std::string hashToken(std::string_view token) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(token.data(), static_cast<unsigned>(token.size()));
  return Poco::DigestEngine::digestToHex(sha.digest());
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string bearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() || authorization.substr(0, kScheme.size()) != kScheme)
    return "";
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.size() > 256 || token.find(' ') != std::string_view::npos) return "";
  return std::string(token);
}

}  // namespace yard::auth
