#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace yard::core {

// A version stamp (DESIGN §3): hybrid logical clock value plus the id of the node that issued
// it. Encoded as "<16-digit ms>-<4-digit counter>-<node id>" so that byte order of the encoding
// is the LWW order; the node id breaks ties between nodes.
struct Stamp {
  static constexpr int kMaxCounter = 9999;

  int64_t ms = 0;
  int counter = 0;
  std::string node;

  std::string encode() const;
  // Refuses anything that would not round-trip (wrong widths, bad node id, negative values).
  static std::optional<Stamp> parse(std::string_view text);

  auto operator<=>(const Stamp&) const = default;
};

}  // namespace yard::core
