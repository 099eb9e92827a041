#include "core/uuid.h"

#include <cstdio>
#include <random>

#include "core/wall_clock.h"

namespace yard::core {

namespace {

// The 8-4-4-4-12 text of a UUID whose version and variant bits are already set.
std::string layout(uint64_t hi, uint64_t lo) {
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return out;
}

constexpr uint64_t withVariant(uint64_t lo) {
  return (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
}

}  // namespace

std::string formatUuidV7(uint64_t unix_ms, uint16_t rand_a, uint64_t rand_b) {
  return layout(((unix_ms & 0xffffffffffffULL) << 16) | 0x7000 | (rand_a & 0x0fff),
                withVariant(rand_b));
}

std::string formatUuidV4(uint64_t random_hi, uint64_t random_lo) {
  return layout((random_hi & 0xffffffffffff0fffULL) | 0x4000, withVariant(random_lo));
}

std::string newUuidV7() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  thread_local uint64_t last_ms = 0;
  thread_local uint16_t counter = 0;
  const auto ms = static_cast<uint64_t>(unixNowMs());
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
