#include "core/iso_time.h"

#include <ctime>

#include "core/wall_clock.h"

namespace yard::core {

std::optional<int64_t> parseIsoUtcMs(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  int64_t ms = 0;
  if (*end == '.') {
    int digits = 0;
    for (++end; *end >= '0' && *end <= '9'; ++end)
      if (digits++ < 3) ms = ms * 10 + (*end - '0');
    while (digits++ < 3) ms *= 10;
  }
  if (*end != 'Z' || end[1] != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

std::string formatIsoUtc(int64_t unix_ms) {
  const auto t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

std::string isoUtcNow() { return formatIsoUtc(unixNowMs()); }

}  // namespace yard::core
