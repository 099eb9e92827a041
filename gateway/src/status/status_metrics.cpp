#include "status/status_metrics.h"

#include <optional>
#include <string>

namespace yard::status {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// The number at path in doc ("upstream/pending"), if there is one.
std::optional<double> numberAt(const core::Json& doc, std::initializer_list<const char*> path) {
  const core::Json* at = &doc;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return std::nullopt;
    at = &(*at)[key];
  }
  if (at->is_boolean()) return at->get<bool>() ? 1.0 : 0.0;
  if (!at->is_number()) return std::nullopt;
  return at->get<double>();
}

std::string textAt(const core::Json& doc, const char* key) {
  return doc.is_object() && doc.contains(key) && doc[key].is_string() ? doc[key].get<std::string>()
                                                                      : std::string();
}

class Builder {
 public:
  void add(std::string name, MetricType type, std::string help, std::optional<double> value,
           Labels labels = {}) {
    if (!value) return;
    family(std::move(name), type, std::move(help)).samples.push_back({std::move(labels), *value});
  }
  MetricFamily& family(std::string name, MetricType type, std::string help) {
    for (auto& f : out_)
      if (f.name == name) return f;
    out_.push_back({std::move(name), type, std::move(help), {}});
    return out_.back();
  }
  std::vector<MetricFamily> take() { return std::move(out_); }

 private:
  std::vector<MetricFamily> out_;
};

constexpr auto kCounter = MetricType::kCounter;
constexpr auto kGauge = MetricType::kGauge;

// Milliseconds to seconds (a division, so whole milliseconds print without binary noise).
std::optional<double> seconds(std::optional<double> ms) {
  if (ms) *ms /= 1000.0;
  return ms;
}

void addNode(Builder& b, const core::Json& s) {
  b.add("yard_build_info", kGauge, "Always 1; the labels name the build and the node.", 1.0,
        {{"version", textAt(s, "version")},
         {"node", textAt(s, "node")},
         {"site", textAt(s, "site")},
         {"role", textAt(s, "role")}});
  b.add("yard_process_uptime_seconds", kGauge, "Seconds since the daemon started.",
        numberAt(s, {"uptime_s"}));
  b.add("yard_process_start_time_seconds", kGauge, "When the daemon started, Unix time.",
        seconds(numberAt(s, {"process", "start_time_ms"})));
  b.add("yard_process_resident_memory_bytes", kGauge, "Resident memory of the daemon.",
        numberAt(s, {"process", "rss_bytes"}));
  b.add("yard_hlc_drift_seconds", kGauge,
        "How far the hybrid logical clock runs ahead of the wall clock.",
        seconds(numberAt(s, {"hlc_drift_ms"})));
  b.add("yard_store_records", kGauge, "Records in the store.", numberAt(s, {"records"}));
  b.add("yard_devices_active", kGauge, "Enrolled devices not revoked.", numberAt(s, {"devices"}));
  if (s.contains("storage"))
    b.add("yard_storage_healthy", kGauge, "1 when the storage plugin answered the last read.",
          numberAt(s, {"storage", "healthy"}), {{"plugin", textAt(s["storage"], "plugin")}});
}

void addHttpAndSync(Builder& b, const core::Json& s) {
  for (const char* code : {"1xx", "2xx", "3xx", "4xx", "5xx"})
    b.add("yard_http_requests_total", kCounter, "HTTP requests answered, by status class.",
          numberAt(s, {"http", "requests", code}), {{"code", code}});
  b.add("yard_http_requests_in_flight", kGauge, "HTTP requests being answered now.",
        numberAt(s, {"http", "in_flight"}));
  for (const char* status : {"accepted", "conflict", "rejected"})
    b.add("yard_sync_writes_total", kCounter, "Writes from devices answered, by outcome.",
          numberAt(s, {"sync_writes", status}), {{"status", status}});
  b.add("yard_commit_groups_total", kCounter, "Durable commits of the single writer.",
        numberAt(s, {"commits", "groups"}));
  b.add("yard_commit_batches_total", kCounter,
        "Jobs (sync batches, admin changes) committed; divided by groups: jobs per fsync.",
        numberAt(s, {"commits", "batches"}));
}

void addUpstream(Builder& b, const core::Json& s) {
  if (!s.contains("upstream") || !s["upstream"].is_object()) return;
  const core::Json& u = s["upstream"];
  const std::string link = textAt(u, "link");
  for (const char* state : {"none", "unknown", "up", "down", "refused"})
    b.add("yard_upstream_link_state", kGauge,
          "1 for the upstream link's current state; up only after a real round trip.",
          link == state ? 1.0 : 0.0, {{"state", state}});
  b.add("yard_upstream_backlog_records", kGauge, "Records waiting to go upstream.",
        numberAt(u, {"pending"}));
  b.add("yard_upstream_oldest_pending_age_seconds", kGauge,
        "Age of the oldest write not yet upstream (0 when none waits).",
        seconds(numberAt(u, {"oldest_pending_age_ms"})));
  b.add("yard_upstream_last_success_timestamp_seconds", kGauge,
        "When the last upstream round succeeded, Unix time.",
        seconds(numberAt(u, {"last_success"})));
  b.add("yard_upstream_rounds_total", kCounter, "Upstream rounds run.", numberAt(u, {"rounds"}));
  b.add("yard_upstream_round_failures_total", kCounter, "Upstream rounds that failed.",
        numberAt(u, {"failures"}));
  b.add("yard_upstream_pushed_records_total", kCounter, "Records upstream accepted from us.",
        numberAt(u, {"pushed"}));
  b.add("yard_upstream_pulled_records_total", kCounter, "Records adopted from upstream.",
        numberAt(u, {"pulled"}));
  b.add("yard_upstream_requests_total", kCounter, "Sync exchanges upstream answered.",
        numberAt(u, {"requests"}));
  b.add("yard_upstream_overlapped_requests_total", kCounter,
        "Of those, requests sent while another one was in flight.",
        numberAt(u, {"requests_overlapped"}));
  b.add("yard_upstream_conflicts_total", kCounter,
        "Our versions upstream answered with a later one.", numberAt(u, {"conflicts"}));
  b.add("yard_upstream_rejected_total", kCounter, "Our versions upstream refused.",
        numberAt(u, {"rejected"}));
}

void addAttachments(Builder& b, const core::Json& s) {
  if (!s.contains("attachments") || !s["attachments"].is_object()) return;
  const core::Json& a = s["attachments"];
  b.add("yard_blob_store_bytes", kGauge, "Bytes held by the attachment store.",
        numberAt(a, {"bytes"}));
  b.add("yard_blob_store_quota_bytes", kGauge, "The attachment store's quota.",
        numberAt(a, {"quota_bytes"}));
  b.add("yard_blob_store_pending_upstream", kGauge, "Attachments waiting to go upstream.",
        numberAt(a, {"pending"}));
}

void addPlugins(Builder& b, const core::Json& s) {
  if (!s.contains("plugins") || !s["plugins"].is_object()) return;
  for (const auto& [plugin, entry] : s["plugins"].items()) {
    b.add("yard_plugin_errors_total", kCounter, "Errors plugins logged, by plugin instance.",
          numberAt(entry, {"errors"}), {{"plugin", plugin}});
    if (!entry.contains("counters") || !entry["counters"].is_object()) continue;
    for (const auto& [name, value] : entry["counters"].items()) {
      std::string base = sanitizeMetricName(name);
      if (base.size() > 6 && base.ends_with("_total")) base.resize(base.size() - 6);
      if (!value.is_number() || base == "errors") continue;  // errors: the series above
      b.add("yard_plugin_" + base + "_total", kCounter,
            "Counted by plugins through the host (yard_host.count).", value.get<double>(),
            {{"plugin", plugin}});
    }
  }
}

}  // namespace

std::vector<MetricFamily> metricsFromStatus(const core::Json& status) {
  Builder b;
  addNode(b, status);
  addHttpAndSync(b, status);
  addUpstream(b, status);
  addAttachments(b, status);
  addPlugins(b, status);
  return b.take();
}

}  // namespace yard::status
