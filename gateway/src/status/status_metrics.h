#pragma once

#include <vector>

#include "core/record.h"
#include "status/prometheus.h"

namespace yard::status {

// The /metrics families, built from the node's status document (the JSON of GET /v1/status,
// without its history), so that the page and the metrics can never disagree. Pure: a key the
// document lacks leaves its metric out (no upstream: no upstream counters; no blob store: no
// blob metrics), it never invents a zero. Names and units: see docs/status-page.md.
std::vector<MetricFamily> metricsFromStatus(const core::Json& status);

}  // namespace yard::status
