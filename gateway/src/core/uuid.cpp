#include "core/uuid.h"

#include <chrono>
#include <cstdio>
#include <random>

namespace yard::core {

std::string formatUuidV7(uint64_t unix_ms, uint16_t rand_a, uint64_t rand_b) {
  const uint64_t hi = ((unix_ms & 0xffffffffffffULL) << 16) | 0x7000 | (rand_a & 0x0fff);
  const uint64_t lo = (rand_b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return out;
}

std::string newUuidV7() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  thread_local uint64_t last_ms = 0;
  thread_local uint16_t counter = 0;
  const auto ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  if (ms > last_ms) {
    last_ms = ms;
    counter = static_cast<uint16_t>(random() & 0x07ff);  // leaves room to count up
  } else if (++counter > 0x0fff) {
    // Same millisecond (or the clock stepped back) and the counter is spent: borrow the next
    // millisecond, as RFC 9562 allows, so ids keep ascending.
    ++last_ms;
    counter = 0;
  }
  return formatUuidV7(last_ms, counter, random());
}

}  // namespace yard::core
