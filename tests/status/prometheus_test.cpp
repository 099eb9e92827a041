#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "status/prometheus.h"

using namespace yard::status;

TEST_CASE("a counter family renders HELP, TYPE and one line per sample") {
  MetricFamily f{"yard_sync_writes_total", MetricType::kCounter, "Writes answered.", {}};
  f.samples.push_back({{{"status", "accepted"}}, 12});
  f.samples.push_back({{{"status", "conflict"}}, 0});
  CHECK(renderPrometheus({f}) ==
        "# HELP yard_sync_writes_total Writes answered.\n"
        "# TYPE yard_sync_writes_total counter\n"
        "yard_sync_writes_total{status=\"accepted\"} 12\n"
        "yard_sync_writes_total{status=\"conflict\"} 0\n");
}

TEST_CASE("gauges without labels, fractions and special values") {
  MetricFamily f{"yard_hlc_drift_seconds", MetricType::kGauge, "Drift.", {{{}, 0.25}}};
  MetricFamily g{"yard_x", MetricType::kGauge, "x", {}};
  g.samples.push_back({{{"k", "nan"}}, std::nan("")});
  g.samples.push_back({{{"k", "inf"}}, std::numeric_limits<double>::infinity()});
  g.samples.push_back({{{"k", "-inf"}}, -std::numeric_limits<double>::infinity()});
  g.samples.push_back({{{"k", "big"}}, 1e20});
  g.samples.push_back({{{"k", "neg"}}, -3});
  const std::string text = renderPrometheus({f, g});
  CHECK(text.find("# TYPE yard_hlc_drift_seconds gauge\nyard_hlc_drift_seconds 0.25\n") !=
        std::string::npos);
  CHECK(text.find("yard_x{k=\"nan\"} NaN\n") != std::string::npos);
  CHECK(text.find("yard_x{k=\"inf\"} +Inf\n") != std::string::npos);
  CHECK(text.find("yard_x{k=\"-inf\"} -Inf\n") != std::string::npos);
  CHECK(text.find("yard_x{k=\"big\"} 1e+20\n") != std::string::npos);
  CHECK(text.find("yard_x{k=\"neg\"} -3\n") != std::string::npos);
}

TEST_CASE("label values and help text are escaped") {
  MetricFamily f{"yard_build_info", MetricType::kGauge, "line one\nback\\slash \"quoted\"", {}};
  f.samples.push_back({{{"node", "a\"b\\c\nd"}, {"site", "s"}}, 1});
  CHECK(renderPrometheus({f}) ==
        "# HELP yard_build_info line one\\nback\\\\slash \"quoted\"\n"
        "# TYPE yard_build_info gauge\n"
        "yard_build_info{node=\"a\\\"b\\\\c\\nd\",site=\"s\"} 1\n");
}

TEST_CASE("invalid names leave the family out; names can be sanitized") {
  MetricFamily bad{"yard bad-name", MetricType::kCounter, "x", {{{}, 1}}};
  MetricFamily bad_label{"yard_ok", MetricType::kGauge, "x", {{{{"__reserved", "v"}}, 1}}};
  MetricFamily good{"yard_ok_total", MetricType::kCounter, "x", {{{}, 1}}};
  CHECK(renderPrometheus({bad, bad_label, good}) ==
        "# HELP yard_ok_total x\n# TYPE yard_ok_total counter\nyard_ok_total 1\n");
  CHECK(isValidMetricName("yard:rule_total"));
  CHECK_FALSE(isValidMetricName("9lives"));
  CHECK_FALSE(isValidLabelName("a:b"));
  CHECK(sanitizeMetricName("sync bytes-sent") == "sync_bytes_sent");
  CHECK(sanitizeMetricName("9x") == "_x");
  CHECK(sanitizeMetricName("") == "_");
}

TEST_CASE("a family with no samples still declares itself") {
  CHECK(renderPrometheus({{"yard_plugin_errors_total", MetricType::kCounter, "Errors.", {}}}) ==
        "# HELP yard_plugin_errors_total Errors.\n# TYPE yard_plugin_errors_total counter\n");
}
