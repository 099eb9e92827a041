#include "status/prometheus.h"
#include "status/routes.h"
#include "status/status_metrics.h"

namespace yard::status {

void addMetricsRoute(http::Router& router, std::function<core::Json()> snapshot) {
  router.add({"GET", "/metrics", http::Access::kAdmin,
              [snapshot = std::move(snapshot)](http::Exchange& ex) {
                ex.replyText(200, "text/plain; version=0.0.4; charset=utf-8",
                             renderPrometheus(metricsFromStatus(snapshot())));
              }});
}

}  // namespace yard::status
