#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "auth/admin_token.h"
#include "auth/token.h"

using namespace yard::auth;
namespace fs = std::filesystem;

TEST_CASE("tokens are random, prefixed and URL-safe") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = generateToken("ydev_");
    CHECK(t.rfind("ydev_", 0) == 0);
    CHECK(t.size() == 5 + 43);  // 32 bytes, base64url without padding
    CHECK(t.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
                              5) == std::string::npos);
    seen.insert(t);
  }
  CHECK(seen.size() == 100);
}

TEST_CASE("token hashes are SHA-256 hex") {
  CHECK(hashToken("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(constantTimeEquals(hashToken("x"), hashToken("x")));
  CHECK_FALSE(constantTimeEquals(hashToken("x"), hashToken("y")));
  CHECK_FALSE(constantTimeEquals("ab", "abc"));
}

TEST_CASE("bearer tokens are taken only from a well-formed header") {
  CHECK(bearerToken("Bearer abc") == "abc");
  CHECK(bearerToken("Bearer abc  ") == "abc");
  CHECK(bearerToken("bearer abc").empty());
  CHECK(bearerToken("Basic abc").empty());
  CHECK(bearerToken("Bearer ").empty());
  CHECK(bearerToken("Bearer a b").empty());
  CHECK(bearerToken("Bearer " + std::string(300, 'a')).empty());
}

TEST_CASE("the admin token file is created once, private, and read back") {
  char pattern[] = "/tmp/yard-token-XXXXXX";
  const fs::path dir = mkdtemp(pattern);
  const std::string path = (dir / "admin.token").string();
  auto first = loadOrCreateAdminToken(path);
  REQUIRE(first.isOk());
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto token = readTokenFile(path);
  REQUIRE(token.isOk());
  CHECK(hashToken(token.value()) == first.value());
  auto second = loadOrCreateAdminToken(path);
  REQUIRE(second.isOk());
  CHECK(second.value() == first.value());  // not regenerated

  chmod(path.c_str(), 0644);
  auto loose = readTokenFile(path);
  CHECK_FALSE(loose.isOk());
  fs::remove_all(dir);
}
