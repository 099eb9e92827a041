#include "gzip_policy.h"

#include <algorithm>

namespace yard::transport_https {
namespace {

// Each sample moves an estimate this far: a few exchanges follow a link that changes, one slow
// answer (a busy hub's socket, a retransmission) does not flip the choice.
constexpr double kWeight = 0.3;

void blend(double& estimate, double sample) {
  estimate = estimate == 0 ? sample : estimate + kWeight * (sample - estimate);
}

}  // namespace

bool GzipPolicy::worthIt() const {
  std::lock_guard lock(mu_);
  if (deflate_bps_ == 0 || link_bps_ == 0) return true;
  return link_bps_ < deflate_bps_ * (1 - ratio_);
}

void GzipPolicy::packed(size_t raw, size_t packed, double seconds) {
  if (raw < kLeastSample || seconds <= 0) return;
  const double ratio = std::min(1.0, static_cast<double>(packed) / static_cast<double>(raw));
  std::lock_guard lock(mu_);
  const bool first = deflate_bps_ == 0;
  blend(deflate_bps_, static_cast<double>(raw) / seconds);
  ratio_ = first ? ratio : ratio_ + kWeight * (ratio - ratio_);
}

void GzipPolicy::received(size_t bytes, double seconds) {
  if (bytes < kLeastSample) return;
  // A body already in the socket buffer reads in microseconds: that is a fast link, not an
  // infinite one.
  seconds = std::max(seconds, 1e-6);
  std::lock_guard lock(mu_);
  blend(link_bps_, static_cast<double>(bytes) / seconds);
}

}  // namespace yard::transport_https
