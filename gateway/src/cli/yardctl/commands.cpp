#include "cli/yardctl/commands.h"

#include <algorithm>
#include <cctype>

#include "cli/yardctl/format.h"
#include "core/wall_clock.h"

namespace yard::yardctl {
namespace {

// Percent-encodes a path segment (record and device ids are plain, but never trust that).
std::string segment(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// Calls the gateway; on success prints the JSON (--json) or human(json), else the error.
template <typename Human>
int show(const Invocation& inv, GatewayClient& client, Io io, const std::string& method,
         const std::string& path, const core::Json* body, Human human) {
  CallError error;
  auto json = client.call(method, path, body, error);
  if (!json) return reportError(error, io);
  if (inv.json) {
    io.out << json->dump(2) << "\n";
  } else {
    io.out << human(*json);
  }
  return kExitOk;
}

int devicesAdd(const Invocation& inv, GatewayClient& client, Io io) {
  core::Json body{{"id", inv.words[2]}, {"site", inv.site}, {"node", inv.node}};
  if (!inv.operator_id.empty()) body["operator"] = inv.operator_id;
  return show(inv, client, io, "POST", "/v1/admin/devices", &body, [&](const core::Json& j) {
    return "enrolled " + j.value("id", inv.words[2]) + " (site " + inv.site +
           (inv.operator_id.empty() ? "" : ", operator " + inv.operator_id) +
           (inv.node ? ", node client" : "") + ")\ntoken: " + j.value("token", "") +
           "\nThe token is shown only now: put it on the device, then clear this screen.\n";
  });
}

int check(const Invocation& inv, GatewayClient& client, Io io) {
  CallError error;
  auto json = client.call("GET", "/v1/admin/check", nullptr, error);
  if (!json) return reportError(error, io);
  const bool ok = json->value("ok", false);
  if (inv.json) {
    io.out << json->dump(2) << "\n";
  } else if (ok) {
    io.out << "store check passed (" << json->value("plugin", "?") << ")\n";
  } else {
    io.out << "store check FAILED (" << json->value("plugin", "?")
           << "): " << json->value("problem", "no details") << "\n";
  }
  return ok ? kExitOk : kExitNotDone;
}

}  // namespace

int reportError(const CallError& error, Io io) {
  io.err << "yardctl: " << error.message << "\n";
  return error.code;
}

int runCommand(const Invocation& inv, GatewayClient& client, Io io) {
  const std::string command = inv.command();
  const int64_t now = core::unixNowMs();
  if (command == "status")
    return show(inv, client, io, "GET", "/v1/status", nullptr,
                [now](const core::Json& j) { return formatStatus(j, now); });
  if (command == "devices add") return devicesAdd(inv, client, io);
  if (command == "devices list")
    return show(inv, client, io, "GET", "/v1/admin/devices", nullptr,
                [now](const core::Json& j) { return formatDevices(j, now); });
  if (command == "devices revoke")
    return show(inv, client, io, "DELETE", "/v1/admin/devices/" + segment(inv.words[2]), nullptr,
                [&](const core::Json&) {
                  return "revoked " + inv.words[2] + ": its token stopped working\n";
                });
  if (command == "conflicts list")
    return show(inv, client, io, "GET",
                "/v1/admin/conflicts?limit=" + std::to_string(std::min(inv.limit, 1000)), nullptr,
                [now](const core::Json& j) { return formatConflicts(j, now); });
  if (command == "conflicts restore") {
    const core::Json body{{"audit_id", std::stoll(inv.words[3])}};
    return show(inv, client, io, "POST", "/v1/admin/records/" + segment(inv.words[2]) + "/restore",
                &body, [&](const core::Json& j) {
                  return "restored audit entry " + inv.words[3] + " of " + inv.words[2] +
                         ": it is the current version again (stamp " + j.value("stamp", "?") +
                         ")\n";
                });
  }
  if (command == "sync") return runSync(inv, client, io);
  if (command == "backup") return runBackup(inv, client, io);
  if (command == "check") return check(inv, client, io);
  return reportError({kExitUsage, "unknown command '" + command + "'"}, io);
}

}  // namespace yard::yardctl
