#pragma once

#include <string>
#include <string_view>

namespace yard::auth {

// Bearer tokens are 32 random bytes (OS CSPRNG), base64url, behind a prefix that says what they
// are for ("ydev_", "yadm_") so a leaked one is recognisable in a scanner.
std::string generateToken(std::string_view prefix);

// Tokens are stored only as lowercase hex SHA-256. A fast hash is right here: the tokens carry
// 256 bits of entropy, so there is nothing for a slow password hash to protect.
std::string hashToken(std::string_view token);

// Compares two equal-length hex digests without an early exit.
bool constantTimeEquals(std::string_view a, std::string_view b);

// The token from an "Authorization: Bearer <token>" header value ("" when malformed).
std::string bearerToken(std::string_view authorization);

}  // namespace yard::auth
