#pragma once

#include <optional>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace yard::mosquitto_auth {

struct DeviceEntry {
  std::string site;
  std::string token_hash;  // lowercase hex SHA-256 of the device's token
  bool revoked = false;
  bool node = false;  // a gateway enrolled as a node client (upstream over MQTT)
};

// The gateway's SQLite database, opened read-only: the gateway is its only writer, so
// enrolment and revocation reach the broker the moment they are committed, with nothing to
// synchronise. Not thread-safe (the broker calls plugins from its one main thread).
class DeviceDb {
 public:
  DeviceDb() = default;
  ~DeviceDb();
  DeviceDb(const DeviceDb&) = delete;
  DeviceDb& operator=(const DeviceDb&) = delete;

  // False with error filled when the file cannot be opened.
  bool open(const std::string& path, std::string& error);

  // The device's row; nullopt when there is none. Sets failed when the lookup itself failed (a
  // caller must then refuse: fail closed).
  std::optional<DeviceEntry> find(const std::string& id, bool& failed);

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* find_ = nullptr;
};

// Lowercase hex SHA-256 of text (as the gateway stores tokens, auth/token.h).
std::string sha256Hex(const std::string& text);

// Compares two strings without an early exit on the first difference.
bool constantTimeEquals(const std::string& a, const std::string& b);

}  // namespace yard::mosquitto_auth
