#include "cli/yardctl/args.h"

#include <charconv>
#include <map>

namespace yard::yardctl {
namespace {

struct CommandShape {
  size_t words;           // command words plus positional arguments
  const char* arguments;  // for the error message
};

// Every command and how many words it takes in all.
const std::map<std::string, CommandShape>& commands() {
  static const std::map<std::string, CommandShape> shapes = {
      {"status", {1, ""}},
      {"devices add", {3, "ID --site S [--operator O] [--node]"}},
      {"devices list", {2, ""}},
      {"devices revoke", {3, "ID"}},
      {"sync", {1, "[--timeout S]"}},
      {"conflicts list", {2, "[--limit N]"}},
      {"conflicts restore", {4, "RECORD AUDIT_ID"}},
      {"backup", {2, "FILE"}},
      {"check", {1, ""}},
  };
  return shapes;
}

std::optional<int> parsePositive(const std::string& text) {
  int out = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || out < 1)
    return std::nullopt;
  return out;
}

}  // namespace

std::string Invocation::command() const {
  if (words.empty()) return "";
  if ((words[0] == "devices" || words[0] == "conflicts") && words.size() > 1)
    return words[0] + " " + words[1];
  return words[0];
}

Result<Invocation> parseArgs(const std::vector<std::string>& argv) {
  Invocation inv;
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string arg = argv[i];
    if (arg.size() < 2 || arg.rfind("--", 0) != 0) {
      if (arg == "-h") {
        inv.help = true;
        continue;
      }
      if (!arg.empty() && arg[0] == '-' && arg != "-")
        return Status::invalid("unknown option " + arg + " (see yardctl --help)");
      inv.words.push_back(arg);
      continue;
    }
    if (arg == "--") {  // everything after is positional (an id that starts with a dash)
      inv.words.insert(inv.words.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
      break;
    }
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    auto flag = [&](bool& out) -> Status {
      if (inline_value) return Status::invalid(arg + " takes no value");
      out = true;
      return Status::ok();
    };
    auto value = [&](std::string& out) -> Status {
      if (inline_value) {
        out = *inline_value;
      } else if (i + 1 < argv.size()) {
        out = argv[++i];
      } else {
        return Status::invalid(arg + " needs a value");
      }
      if (out.empty()) return Status::invalid(arg + " needs a value");
      return Status::ok();
    };
    Status s;
    std::string number;
    if (arg == "--json") {
      s = flag(inv.json);
    } else if (arg == "--node") {
      s = flag(inv.node);
    } else if (arg == "--help") {
      s = flag(inv.help);
    } else if (arg == "--version") {
      s = flag(inv.version);
    } else if (arg == "--config") {
      s = value(inv.config);
    } else if (arg == "--url") {
      s = value(inv.url);
    } else if (arg == "--token-file") {
      s = value(inv.token_file);
    } else if (arg == "--site") {
      s = value(inv.site);
    } else if (arg == "--operator") {
      s = value(inv.operator_id);
    } else if (arg == "--timeout" || arg == "--limit") {
      s = value(number);
      if (s.isOk()) {
        auto n = parsePositive(number);
        if (!n)
          return Status::invalid(arg + " must be a whole number above 0, not '" + number + "'");
        if (arg == "--timeout") {
          inv.timeout_s = *n;
        } else {
          inv.limit = *n;
        }
      }
    } else {
      return Status::invalid("unknown option " + arg + " (see yardctl --help)");
    }
    if (!s.isOk()) return s;
  }
  if (inv.help || inv.version) return inv;
  if (inv.words.empty()) return Status::invalid("no command given (see yardctl --help)");

  const std::string command = inv.command();
  auto shape = commands().find(command);
  if (shape == commands().end()) {
    if (inv.words[0] == "devices" || inv.words[0] == "conflicts")
      return Status::invalid(
          inv.words[0] + " needs a sub-command: " +
          (inv.words[0] == "devices" ? "add, list or revoke" : "list or restore"));
    return Status::invalid("unknown command '" + inv.words[0] + "' (see yardctl --help)");
  }
  if (inv.words.size() != shape->second.words)
    return Status::invalid("usage: yardctl " + command + (*shape->second.arguments ? " " : "") +
                           shape->second.arguments);
  if (command == "devices add" && inv.site.empty())
    return Status::invalid("devices add needs --site S (the device's yard)");
  if (command != "devices add" && (!inv.site.empty() || !inv.operator_id.empty() || inv.node))
    return Status::invalid("--site, --operator and --node belong to devices add");
  if (command == "conflicts restore" && !parsePositive(inv.words[3]))
    return Status::invalid("AUDIT_ID must be a number (see yardctl conflicts list)");
  return inv;
}

std::string usageText() {
  return R"(usage: yardctl [--config FILE] [--url URL] [--token-file FILE] [--json] COMMAND

Operates a running yard-gateway through its admin API.

commands:
  status                                   node, upstream link, backlog, storage
  devices add ID --site S [--operator O] [--node]
                                           enrol a device; prints its token once
  devices list                             devices, last seen, pending, clock skew
  devices revoke ID                        the device's token stops working at once
  sync [--timeout S]                       start an upstream round and wait until the
                                           backlog is drained (default 120 s)
  conflicts list [--limit N]               versions that lost, newest first
  conflicts restore RECORD AUDIT_ID        make a lost version current again
  backup FILE                              consistent copy of the store, taken online
  check                                    integrity check of the store

options:
  --config FILE      the gateway's config (default /etc/yard-gateway/gateway.conf): gives the
                     address, TLS and [admin] token_file
  --url URL          the gateway's address, e.g. http://127.0.0.1:8080 (overrides the config)
  --token-file FILE  the admin token file (overrides the config)
  --json             machine-readable output
  --timeout S        seconds to wait for an answer (sync: for the backlog to drain)

exit codes: 0 ok, 1 done but not good (check failed, sync not drained), 2 usage or config,
  3 gateway not reachable, 4 token unreadable or refused, 5 request refused, 6 gateway or
  local failure
)";
}

}  // namespace yard::yardctl
