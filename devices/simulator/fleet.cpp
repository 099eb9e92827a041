#include "simulator/fleet.h"

#include <sys/stat.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

namespace yard::device {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs body(i) for every phone on its own thread; the first error wins.
Status forEachPhone(int n, const std::function<Status(int)>& body) {
  std::mutex mu;
  Status first;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      Status s = body(i);
      std::lock_guard lock(mu);
      if (!s.isOk() && first.isOk()) first = s;
    });
  for (auto& t : threads) t.join();
  return first;
}

}  // namespace

Result<FleetSummary> runFleet(const FleetOptions& o, const FleetProgress& progress) {
  const auto start = Clock::now();
  std::string site = o.site;
  if (site.empty()) {
    auto asked = gatewaySite(o.link.gateway_url, o.admin_token, o.link.ca_file);
    if (!asked.isOk()) return asked.status();
    site = asked.value();
  }
  if (::mkdir(o.dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::permanent("cannot create " + o.dir);
  const std::string prefix =
      o.prefix.empty() ? "sim-" + std::to_string(std::time(nullptr)) : o.prefix;

  std::vector<std::unique_ptr<SimulatedPhone>> phones;
  for (int i = 0; i < o.phones; ++i) {
    const std::string n = std::to_string(i);
    auto enrolled = enrolDevice(o.link.gateway_url, o.admin_token, prefix + "-" + n, site,
                                prefix + "-op" + n, o.link.ca_file);
    if (!enrolled.isOk()) return enrolled.status();
    phones.push_back(std::make_unique<SimulatedPhone>(
        enrolled.value(), o.dir + "/" + prefix + "-" + n + ".db", o.link, o.seed * 7919 + i));
  }
  if (Status s = forEachPhone(o.phones, [&](int i) { return phones[i]->open(); }); !s.isOk())
    return s;

  // Records the whole site edits: made by phone 0, seen by all after their first sync.
  std::vector<std::string> shared;
  if (o.storm_writes == 0 && !phones.empty()) {
    for (int i = 0; i < o.shared_records; ++i) {
      auto r = phones[0]->store().create(
          "inspection",
          core::Json{{"status", "open"}, {"equipment_id", "SHARED" + std::to_string(i)}});
      if (!r.isOk()) return r.status();
      shared.push_back(r->id);
    }
    if (!phones[0]->settle(20)) return Status::retry("phone 0 could not sync the shared records");
  }

  FleetSummary summary;
  summary.phones = o.phones;
  const int64_t total = o.storm_writes > 0 ? o.phones : int64_t{o.phones} * o.steps;
  std::atomic<int64_t> done{0};
  if (o.storm_writes > 0) {
    if (Status s = forEachPhone(o.phones,
                                [&](int i) {
                                  Status w = phones[i]->syncNow();
                                  return w.isOk() ? phones[i]->writeOffline(o.storm_writes) : w;
                                });
        !s.isOk())
      return s;
    // Every phone is connected and holds its backlog: then all sync at once.
    std::barrier gate(o.phones, [&]() noexcept {});
    auto storm_start = Clock::now();
    std::atomic<bool> started{false};
    Status s = forEachPhone(o.phones, [&](int i) {
      gate.arrive_and_wait();
      if (!started.exchange(true)) storm_start = Clock::now();
      bool settled = phones[i]->settle(30);
      if (progress) progress(++done, total);
      return settled ? Status::ok()
                     : Status::retry(phones[i]->identity().device + " did not settle");
    });
    summary.storm_seconds = secondsSince(storm_start);
    if (!s.isOk()) return s;
  } else {
    std::mutex progress_mu;
    Status s = forEachPhone(o.phones, [&](int i) {
      (void)phones[i]->syncNow();  // pulls the shared records (may fail: the script goes on)
      for (int k = 0; k < o.steps; ++k) {
        if (Status st = phones[i]->step(shared, o.offline_p, o.kill_p, o.photo_bytes); !st.isOk())
          return st;
        const int64_t d = ++done;
        if (progress) {
          std::lock_guard lock(progress_mu);
          progress(d, total);
        }
      }
      return Status::ok();
    });
    if (!s.isOk()) return s;
    // Settle: every phone online and synced; then once more so each pulls the others' last.
    s = forEachPhone(o.phones, [&](int i) {
      return phones[i]->settle(30)
                 ? Status::ok()
                 : Status::retry(phones[i]->identity().device + " did not settle");
    });
    if (!s.isOk()) return s;
    s = forEachPhone(o.phones, [&](int i) { return phones[i]->syncNow(); });
    if (!s.isOk()) return s;
  }

  std::mutex mu;
  (void)forEachPhone(o.phones, [&](int i) {
    SimulatedPhone& p = *phones[i];
    std::string problem = p.compareWithGateway();
    int64_t lost = 0;
    for (const auto& id : p.created())
      if (!p.store().get(id)) ++lost;  // converged, so absent here means absent there
    std::lock_guard lock(mu);
    if (!problem.empty()) {
      ++summary.diverged;
      if (summary.first_problem.empty())
        summary.first_problem = p.identity().device + ": " + problem;
    }
    if (lost > 0 && summary.first_problem.empty())
      summary.first_problem = p.identity().device + ": " + std::to_string(lost) + " records lost";
    summary.lost += lost;
    return Status::ok();
  });
  for (const auto& p : phones) {
    const PhoneCounts& c = p->counts();
    summary.counts.steps += c.steps;
    summary.counts.local_writes += c.local_writes;
    summary.counts.photos += c.photos;
    summary.counts.kills += c.kills;
    summary.counts.offline_spells += c.offline_spells;
    summary.counts.failed_syncs += c.failed_syncs;
    summary.sync += p->syncTotals();
    summary.bytes_up += p->bytesUp();
    summary.bytes_down += p->bytesDown();
  }
  summary.seconds = secondsSince(start);
  return summary;
}

std::string formatSummary(const FleetSummary& s) {
  std::ostringstream out;
  out << "phones: " << s.phones << "\n"
      << "steps: " << s.counts.steps << "\n"
      << "local writes: " << s.counts.local_writes << "\n"
      << "photos: " << s.counts.photos << "\n"
      << "writes sent: " << s.sync.sent << " (accepted " << s.sync.accepted << ", conflicts "
      << s.sync.conflicts << ", rejected " << s.sync.rejected << ")\n"
      << "notices: " << s.sync.notices << "\n"
      << "changes pulled: " << s.sync.pulled << "\n"
      << "sync requests: " << s.sync.requests << " (failed syncs " << s.counts.failed_syncs << ")\n"
      << "uploads: " << s.sync.uploaded << " (" << s.sync.upload_bytes << " bytes)\n"
      << "app kills: " << s.counts.kills << "\n"
      << "offline spells: " << s.counts.offline_spells << "\n"
      << "bytes: " << s.bytes_up << " up, " << s.bytes_down << " down\n";
  if (s.storm_seconds > 0) out << "reconnect storm: " << s.storm_seconds << " s\n";
  out << "time: " << s.seconds << " s\n"
      << "diverged phones: " << s.diverged << "\n"
      << "lost records: " << s.lost << "\n"
      << "converged: " << (s.ok() ? "yes" : "NO") << "\n";
  if (!s.first_problem.empty()) out << "first problem: " << s.first_problem << "\n";
  return out.str();
}

core::Json summaryJson(const FleetSummary& s) {
  return core::Json{{"phones", s.phones},
                    {"steps", s.counts.steps},
                    {"local_writes", s.counts.local_writes},
                    {"photos", s.counts.photos},
                    {"sent", s.sync.sent},
                    {"accepted", s.sync.accepted},
                    {"conflicts", s.sync.conflicts},
                    {"rejected", s.sync.rejected},
                    {"notices", s.sync.notices},
                    {"pulled", s.sync.pulled},
                    {"requests", s.sync.requests},
                    {"failed_syncs", s.counts.failed_syncs},
                    {"uploads", s.sync.uploaded},
                    {"upload_bytes", s.sync.upload_bytes},
                    {"kills", s.counts.kills},
                    {"offline_spells", s.counts.offline_spells},
                    {"bytes_up", s.bytes_up},
                    {"bytes_down", s.bytes_down},
                    {"seconds", s.seconds},
                    {"storm_seconds", s.storm_seconds},
                    {"diverged", s.diverged},
                    {"lost", s.lost},
                    {"converged", s.ok()},
                    {"first_problem", s.first_problem}};
}

}  // namespace yard::device
