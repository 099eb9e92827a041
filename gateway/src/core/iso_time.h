#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace yard::core {

// The ISO-8601 UTC times of the protocol (client_time): "2026-11-24T10:02:11Z".

// Parses one to epoch ms; fractions of a second allowed, nothing but "Z" as the zone.
std::optional<int64_t> parseIsoUtcMs(const std::string& text);

// Writes epoch ms as one, to the second.
std::string formatIsoUtc(int64_t unix_ms);

// The system clock now, as formatIsoUtc writes it (a phone's client_time).
std::string isoUtcNow();

}  // namespace yard::core
