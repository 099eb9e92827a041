#include "pg_options.h"

#include <charconv>
#include <fstream>
#include <string>

namespace yard::postgres {

namespace {

using sdk::fail;

void set(ConnectParams& c, const char* key, std::string value) {
  c.keys.emplace_back(key);
  c.values.push_back(std::move(value));
}

}  // namespace

const char* const* configKeys() {
  static const char* const kKeys[] = {"dsn",  "host",          "port",      "dbname",
                                      "user", "password_file", "pool_size", nullptr};
  return kKeys;
}

yard_rc readOptions(const sdk::Host& host, StoreOptions& out, yard_error* err) {
  ConnectParams& c = out.connect;
  // Defaults first: every later key (the dsn's included) overrides them.
  set(c, "connect_timeout", "5");
  set(c, "application_name", "yard-gateway");
  // A database host that vanishes from the network (no RST, no FIN) must not hang the hub's
  // writer for the kernel's 15-minute retransmission timeout: give up on a silent peer after
  // about 30 s, and the statement fails with RETRY like any lost connection.
  set(c, "keepalives", "1");
  set(c, "keepalives_idle", "10");
  set(c, "keepalives_interval", "5");
  set(c, "keepalives_count", "3");
  set(c, "tcp_user_timeout", "30000");
  if (auto dsn = host.config("dsn"); dsn && !dsn->empty()) set(c, "dbname", *dsn);
  for (const char* key : {"host", "port", "dbname", "user"})
    if (auto v = host.config(key); v && !v->empty()) set(c, key, *v);

  if (auto file = host.config("password_file"); file && !file->empty()) {
    std::ifstream in(*file);
    std::string password;
    if (!in || !std::getline(in, password))
      return fail(err, YARD_INVALID, "password_file: cannot read '" + *file + "'");
    if (!password.empty() && password.back() == '\r') password.pop_back();
    set(c, "password", password);
  }

  const std::string pool = host.config("pool_size", "8");
  int n = 0;
  auto [end, ec] = std::from_chars(pool.data(), pool.data() + pool.size(), n);
  if (ec != std::errc() || end != pool.data() + pool.size() || n < 1 || n > 64)
    return fail(err, YARD_INVALID,
                "pool_size must be a whole number of connections from 1 to 64, not '" + pool + "'");
  out.pool_size = static_cast<size_t>(n);
  return YARD_OK;
}

}  // namespace yard::postgres
