#include "core/stamp.h"

#include <charconv>
#include <cstdio>

#include "core/record.h"

namespace yard::core {
namespace {

constexpr size_t kMsDigits = 16;
constexpr size_t kCounterDigits = 4;

bool parseDigits(std::string_view text, int64_t& out) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::string Stamp::encode() const {
  char head[kMsDigits + kCounterDigits + 3];
  std::snprintf(head, sizeof head, "%016lld-%04d-", static_cast<long long>(ms), counter);
  return head + node;
}

std::optional<Stamp> Stamp::parse(std::string_view text) {
  constexpr size_t kHead = kMsDigits + 1 + kCounterDigits + 1;
  if (text.size() <= kHead || text[kMsDigits] != '-' || text[kMsDigits + 1 + kCounterDigits] != '-')
    return std::nullopt;
  int64_t ms = 0, counter = 0;
  if (!parseDigits(text.substr(0, kMsDigits), ms) ||
      !parseDigits(text.substr(kMsDigits + 1, kCounterDigits), counter))
    return std::nullopt;
  std::string_view node = text.substr(kHead);
  if (!isValidId(node)) return std::nullopt;
  return Stamp{ms, static_cast<int>(counter), std::string(node)};
}

}  // namespace yard::core
