#pragma once

#include <string>

namespace yard::sync {

// Who is calling, as established by authentication. A node client is a gateway enrolled at its
// hub: it may send stamps and sees every record of its site.
struct Caller {
  std::string device;
  std::string site;
  std::string operator_id;
  bool node = false;
  std::string channel;  // "http" or "mqtt": shown on the status page
};

}  // namespace yard::sync
