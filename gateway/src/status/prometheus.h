#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace yard::status {

// A metric family in the Prometheus text exposition format (version 0.0.4): one name, one
// type, one help line, and its samples. Pure data, no registry: /metrics builds the families
// afresh for every scrape from the node's status (see status_metrics.h).
enum class MetricType { kCounter, kGauge };

struct MetricSample {
  std::vector<std::pair<std::string, std::string>> labels;  // name -> value, in output order
  double value = 0;
};

struct MetricFamily {
  std::string name;  // full name, e.g. "yard_http_requests_total"
  MetricType type = MetricType::kGauge;
  std::string help;
  std::vector<MetricSample> samples;
};

// Renders families in order. A family whose name (or one of whose label names) is not a valid
// Prometheus name is left out rather than corrupting the scrape; a family with no samples
// still gets its HELP and TYPE lines. Label values and help text are escaped as the format
// requires; values are written as integers when they are whole, else in shortest round-trip
// form, with NaN and +Inf/-Inf spelled as Prometheus reads them.
std::string renderPrometheus(const std::vector<MetricFamily>& families);

bool isValidMetricName(std::string_view name);
bool isValidLabelName(std::string_view name);
// Replaces every character that may not appear in a metric name with '_' (plugin counter names
// come from plugins and are not trusted to be valid).
std::string sanitizeMetricName(std::string_view name);

}  // namespace yard::status
