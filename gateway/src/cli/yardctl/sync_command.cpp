#include <chrono>
#include <thread>

#include "cli/yardctl/commands.h"
#include "cli/yardctl/format.h"

namespace yard::yardctl {
namespace {

constexpr int kDefaultTimeoutS = 120;
constexpr auto kPollEvery = std::chrono::milliseconds(500);

core::Json upstreamOf(const core::Json& status) {
  return status.is_object() && status.contains("upstream") && status["upstream"].is_object()
             ? status["upstream"]
             : core::Json::object();
}

int64_t pendingOf(const core::Json& upstream) {
  return upstream.contains("pending") && upstream["pending"].is_number()
             ? upstream["pending"].get<int64_t>()
             : 0;
}

}  // namespace

// Done means: a round succeeded after we asked (last_success moved) and nothing is waiting.
// A round refused by upstream (a permanent error: token, certificate) ends the wait at once;
// an unreachable upstream is waited for until the timeout, as the loop keeps retrying.
int runSync(const Invocation& inv, GatewayClient& client, Io io) {
  CallError error;
  auto before = client.call("GET", "/v1/status", nullptr, error);
  if (!before) return reportError(error, io);
  const core::Json up0 = upstreamOf(*before);
  if (!client.call("POST", "/v1/admin/sync-now", nullptr, error)) return reportError(error, io);

  const core::Json success0 = up0.value("last_success", core::Json());
  const core::Json attempt0 = up0.value("last_attempt", core::Json());
  const int timeout_s = inv.timeout_s.value_or(kDefaultTimeoutS);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int64_t total = pendingOf(up0);
  std::string shown;
  auto endLine = [&] {
    if (io.tty && !shown.empty() && !inv.json) io.out << "\n";
  };

  while (true) {
    std::this_thread::sleep_for(kPollEvery);
    auto status = client.call("GET", "/v1/status", nullptr, error);
    if (!status) {
      endLine();
      return reportError(error, io);
    }
    const core::Json up = upstreamOf(*status);
    const int64_t pending = pendingOf(up);
    total = std::max(total, pending);
    const std::string line = syncProgressLine(pending, total, up);
    if (!inv.json && line != shown) {
      if (io.tty) {
        io.out << "\r" << line << "\x1b[K" << std::flush;
      } else {
        io.out << line << "\n" << std::flush;
      }
      shown = line;
    }
    const bool succeeded = up.value("last_success", core::Json()) != success0;
    const bool attempted = up.value("last_attempt", core::Json()) != attempt0;
    const std::string link = up.value("link", "none");
    if (succeeded && pending == 0 && !up.value("syncing", false)) {
      endLine();
      if (inv.json) {
        io.out << core::Json{{"drained", true}, {"upstream", up}}.dump(2) << "\n";
      } else {
        io.out << "upstream is up to date (" << total << " records were waiting)\n";
      }
      return kExitOk;
    }
    if (attempted && link == "refused") {
      endLine();
      if (inv.json) io.out << core::Json{{"drained", false}, {"upstream", up}}.dump(2) << "\n";
      return reportError({kExitNotDone, "upstream refused this gateway: " +
                                            up.value("last_error", std::string("no details")) +
                                            " (fix the token or certificate, then sync again)"},
                         io);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      endLine();
      if (inv.json) io.out << core::Json{{"drained", false}, {"upstream", up}}.dump(2) << "\n";
      return reportError({kExitNotDone, "gave up after " + std::to_string(timeout_s) +
                                            " s: " + std::to_string(pending) +
                                            " records still waiting; link " + linkWords(link)},
                         io);
    }
  }
}

}  // namespace yard::yardctl
