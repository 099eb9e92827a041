#pragma once

#include <cstddef>
#include <mutex>

namespace yard::transport_https {

// Whether gzip pays on this link. Packing a body saves (1 - ratio) of its bytes on the wire and
// costs bytes / deflate_speed of CPU on both ends (the other end inflates, or deflates the
// answer), so it pays while the link carries fewer than deflate_speed * (1 - ratio) bytes a
// second: on a WAN always, on a LAN or loopback to a hub in the same building not. Both sides
// are measured as exchanges go: the compressor from the requests it packs, the link from how
// fast answer bodies arrive once their headers are in (the hub has finished deciding by then).
// Until both are measured it says yes, as a WAN wants. Thread-safe.
class GzipPolicy {
 public:
  bool worthIt() const;
  // One body of raw bytes packed into packed bytes in seconds.
  void packed(size_t raw, size_t packed, double seconds);
  // One answer body of bytes (as they crossed the wire) arrived in seconds.
  void received(size_t bytes, double seconds);

  // Smaller bodies say little: their time is mostly latency and segmenting.
  static constexpr size_t kLeastSample = 16 * 1024;

 private:
  mutable std::mutex mu_;
  double deflate_bps_ = 0;  // raw bytes packed per second; 0: not measured yet
  double ratio_ = 1;        // packed / raw
  double link_bps_ = 0;     // bytes per second on the wire; 0: not measured yet
};

}  // namespace yard::transport_https
