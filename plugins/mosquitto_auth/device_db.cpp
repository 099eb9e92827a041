#include "device_db.h"

#include <openssl/evp.h>
#include <sqlite3.h>

namespace yard::mosquitto_auth {

DeviceDb::~DeviceDb() {
  sqlite3_finalize(find_);
  sqlite3_close(db_);
}

bool DeviceDb::open(const std::string& path, std::string& error) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v3(db_, "SELECT site, token_hash, revoked, node FROM devices WHERE id = ?1",
                         -1, SQLITE_PREPARE_PERSISTENT, &find_, nullptr) != SQLITE_OK) {
    error = db_ ? sqlite3_errmsg(db_) : "out of memory";
    return false;
  }
  // The broker's one thread must never wait long: WAL readers are not blocked by the gateway's
  // writes, only (rarely, briefly) by a checkpoint or recovery.
  sqlite3_busy_timeout(db_, 200);
  return true;
}

std::optional<DeviceEntry> DeviceDb::find(const std::string& id, bool& failed) {
  failed = false;
  sqlite3_reset(find_);
  sqlite3_bind_text(find_, 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
  int rc = sqlite3_step(find_);
  std::optional<DeviceEntry> out;
  if (rc == SQLITE_ROW) {
    auto text = [&](int col) {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(find_, col));
      return std::string(p ? p : "");
    };
    out = DeviceEntry{text(0), text(1), sqlite3_column_int64(find_, 2) != 0,
                      sqlite3_column_int64(find_, 3) != 0};
  } else if (rc != SQLITE_DONE) {
    failed = true;
  }
  sqlite3_reset(find_);
  return out;
}

std::string sha256Hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

bool constantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace yard::mosquitto_auth
