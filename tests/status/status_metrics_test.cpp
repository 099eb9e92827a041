#include <catch2/catch.hpp>

#include "status/prometheus.h"
#include "status/status_metrics.h"

using namespace yard::status;
using Json = yard::core::Json;

namespace {

Json sampleStatus() {
  return Json::parse(R"({
    "node": "gw-1", "site": "laredo", "role": "gateway", "version": "0.1.0",
    "uptime_s": 3600, "hlc_drift_ms": 1500, "records": 42, "devices": 3,
    "storage": {"plugin": "sqlite", "healthy": true},
    "upstream": {"link": "down", "pending": 7, "oldest_pending_age_ms": 90000,
                 "last_success": 1700000000000, "rounds": 5, "failures": 2, "pushed": 30,
                 "pulled": 4, "conflicts": 1, "rejected": 0, "transport": "https"},
    "commits": {"groups": 10, "batches": 25},
    "http": {"requests": {"1xx": 0, "2xx": 100, "3xx": 1, "4xx": 3, "5xx": 0}, "in_flight": 1},
    "sync_writes": {"accepted": 20, "conflict": 2, "rejected": 1},
    "plugins": {"storage.sqlite": {"errors": 0, "counters": {}},
                "transport.https": {"errors": 4, "counters": {"sync_bytes_sent": 2048,
                                                              "errors": 9}}},
    "process": {"rss_bytes": 12345678, "start_time_ms": 1699996400000}
  })");
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("the status document becomes yard_ metrics with units in their names") {
  const std::string text = renderPrometheus(metricsFromStatus(sampleStatus()));
  CHECK(has(text,
            "yard_build_info{version=\"0.1.0\",node=\"gw-1\",site=\"laredo\",role=\"gateway\"} 1"));
  CHECK(has(text, "yard_process_uptime_seconds 3600"));
  CHECK(has(text, "yard_process_start_time_seconds 1699996400"));
  CHECK(has(text, "yard_process_resident_memory_bytes 12345678"));
  CHECK(has(text, "yard_hlc_drift_seconds 1.5"));
  CHECK(has(text, "yard_http_requests_total{code=\"2xx\"} 100"));
  CHECK(has(text, "yard_http_requests_total{code=\"4xx\"} 3"));
  CHECK(has(text, "yard_sync_writes_total{status=\"accepted\"} 20"));
  CHECK(has(text, "yard_sync_writes_total{status=\"conflict\"} 2"));
  CHECK(has(text, "yard_sync_writes_total{status=\"rejected\"} 1"));
  CHECK(has(text, "yard_upstream_backlog_records 7"));
  CHECK(has(text, "yard_upstream_oldest_pending_age_seconds 90"));
  CHECK(has(text, "yard_upstream_link_state{state=\"down\"} 1"));
  CHECK(has(text, "yard_upstream_link_state{state=\"up\"} 0"));
  CHECK(has(text, "yard_upstream_round_failures_total 2"));
  CHECK(has(text, "yard_commit_groups_total 10"));
  CHECK(has(text, "yard_commit_batches_total 25"));
  CHECK(has(text, "yard_storage_healthy{plugin=\"sqlite\"} 1"));
  CHECK(has(text, "yard_plugin_errors_total{plugin=\"storage.sqlite\"} 0"));
  CHECK(has(text, "yard_plugin_errors_total{plugin=\"transport.https\"} 4"));
  CHECK(has(text, "yard_plugin_sync_bytes_sent_total{plugin=\"transport.https\"} 2048"));
  // A plugin counter named like the errors series does not duplicate it.
  CHECK(text.find("} 9\n") == std::string::npos);
  CHECK(has(text, "# TYPE yard_sync_writes_total counter"));
  CHECK(has(text, "# TYPE yard_upstream_backlog_records gauge"));
}

TEST_CASE("every family name is unique and prefixed, counters end in _total") {
  for (const auto& f : metricsFromStatus(sampleStatus())) {
    CHECK(f.name.rfind("yard_", 0) == 0);
    CHECK(isValidMetricName(f.name));
    const bool total = f.name.size() > 6 && f.name.ends_with("_total");
    CHECK(total == (f.type == MetricType::kCounter));
  }
  const auto families = metricsFromStatus(sampleStatus());
  for (size_t i = 0; i < families.size(); ++i)
    for (size_t j = i + 1; j < families.size(); ++j) CHECK(families[i].name != families[j].name);
}

TEST_CASE("what the status lacks is left out, never reported as zero") {
  Json s = sampleStatus();
  s.erase("upstream");
  s.erase("process");
  const std::string text = renderPrometheus(metricsFromStatus(s));
  CHECK(text.find("yard_upstream_") == std::string::npos);
  CHECK(text.find("yard_blob_store_bytes") == std::string::npos);
  CHECK(text.find("yard_process_resident_memory_bytes") == std::string::npos);

  s["attachments"] = Json{{"bytes", 1024}, {"quota_bytes", 4096}, {"pending", 2}};
  const std::string with_blobs = renderPrometheus(metricsFromStatus(s));
  CHECK(has(with_blobs, "yard_blob_store_bytes 1024"));
  CHECK(has(with_blobs, "yard_blob_store_quota_bytes 4096"));
}

TEST_CASE("no upstream: link state none") {
  Json s = sampleStatus();
  s["upstream"] = Json{{"link", "none"}, {"transport", "none"}};
  const std::string text = renderPrometheus(metricsFromStatus(s));
  CHECK(has(text, "yard_upstream_link_state{state=\"none\"} 1"));
  CHECK(text.find("yard_upstream_backlog_records") == std::string::npos);
}
