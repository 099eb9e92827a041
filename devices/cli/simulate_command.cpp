// yard-phone simulate: a yard full of phones against one gateway (docs/devices.md).

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/commands.h"
#include "cli/progress.h"
#include "simulator/fleet.h"

namespace yard::device::cli {
namespace {

constexpr const char* kSimulateUsage =
    R"(usage: yard-phone simulate [options]
N phones run inspection workflows (open, fill, photos, sign, submit), gate events and
interchanges, edit shared records concurrently, go offline and get killed; at the end every
phone's local state must equal the gateway's. Exit code 0 only when it does and nothing is lost.
  --gateway URL            http:// or https://host:port (default http://127.0.0.1:8080)
  --ca-file FILE           for https: the CAs to trust (default: the system's)
  --admin-token-file FILE  enrols the phones (or YARD_ADMIN_TOKEN)
  --mqtt HOST:PORT         sync over the site broker instead of HTTP (uploads stay HTTP)
  --phones N (10)  --steps N (20)  --shared N (3)  --offline P (0.05)  --kills P (0.03)
  --photo-bytes N (65536)  --seed N (1)  --site SITE (asked from the gateway)
  --dir DIR                the phones' databases (default ./yard-phone-sim)
  --prefix NAME            device ids NAME-0, NAME-1, ... (default sim-<unix time>)
  --storm N                reconnect storm: each phone makes N writes offline, then all
                           reconnect at once; reports the time until all are reconciled
  --json                   the summary as JSON
)";

Result<double> number(Args& args, const std::string& name, double fallback) {
  auto text = args.option(name);
  if (!text) return fallback;
  char* end = nullptr;
  const double value = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0' || value < 0)
    return Status::invalid("--" + name + " must be a non-negative number");
  return value;
}

}  // namespace

int runSimulate(Args& args) {
  if (args.flag("help")) {
    std::fputs(kSimulateUsage, stdout);
    return 0;
  }
  FleetOptions o;
  auto admin = readSecret(args, "admin-token", "YARD_ADMIN_TOKEN");
  if (!admin.isOk()) {
    std::fprintf(stderr, "yard-phone: %s\n", admin.status().message().c_str());
    return 1;
  }
  o.admin_token = admin.value();
  const GatewayAddress gateway = gatewayAddress(args);
  o.link.gateway_url = gateway.url;
  o.link.ca_file = gateway.ca_file;
  if (auto mqtt = args.option("mqtt")) {
    const auto colon = mqtt->rfind(':');
    o.link.mqtt_host = mqtt->substr(0, colon);
    if (colon != std::string::npos) o.link.mqtt_port = std::atoi(mqtt->c_str() + colon + 1);
  }
  o.site = args.option("site", "");
  o.dir = args.option("dir", "yard-phone-sim");
  o.prefix = args.option("prefix", "");
  const bool json = args.flag("json");
  struct {
    const char* name;
    double fallback;
    double value = 0;
  } numbers[] = {{"phones", 10},  {"steps", 20},          {"shared", 3}, {"offline", 0.05},
                 {"kills", 0.03}, {"photo-bytes", 65536}, {"seed", 1},   {"storm", 0}};
  for (auto& n : numbers) {
    auto v = number(args, n.name, n.fallback);
    if (!v.isOk()) {
      std::fprintf(stderr, "yard-phone: %s\n", v.status().message().c_str());
      return 2;
    }
    n.value = v.value();
  }
  if (Status s = args.finish(); !s.isOk()) {
    std::fprintf(stderr, "yard-phone: %s\n%s", s.message().c_str(), kSimulateUsage);
    return 2;
  }
  if (o.admin_token.empty()) {
    std::fprintf(stderr, "yard-phone: simulate needs the admin token (--admin-token-file)\n");
    return 2;
  }
  o.phones = static_cast<int>(numbers[0].value);
  o.steps = static_cast<int>(numbers[1].value);
  o.shared_records = static_cast<int>(numbers[2].value);
  o.offline_p = numbers[3].value;
  o.kill_p = numbers[4].value;
  o.photo_bytes = static_cast<int64_t>(numbers[5].value);
  o.seed = static_cast<uint64_t>(numbers[6].value);
  o.storm_writes = static_cast<int>(numbers[7].value);

  Progress progress(stdout);
  auto summary = runFleet(o, [&](int64_t done, int64_t total) { progress.update(done, total); });
  progress.finish();
  if (!summary.isOk()) {
    std::fprintf(stderr, "yard-phone: simulation failed: %s\n", summary.status().message().c_str());
    return 1;
  }
  if (json)
    std::printf("%s\n", summaryJson(summary.value()).dump().c_str());
  else
    std::fputs(formatSummary(summary.value()).c_str(), stdout);
  return summary->ok() ? 0 : 1;
}

}  // namespace yard::device::cli
