#include "attachments/tus.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>

#include <charconv>
#include <map>
#include <random>
#include <sstream>

namespace yard::attachments {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isBase64Text(std::string_view s) {
  if (s.size() % 4 != 0) return false;
  size_t pad = 0;
  for (char c : s) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c == '=') {
      ++pad;
    } else if (pad > 0 || !(alnum || c == '+' || c == '/')) {
      return false;  // '=' only at the end
    }
  }
  return pad <= 2;
}

// Strict base64: Poco's decoder skips characters it does not know, so the text is checked first.
std::optional<std::string> decodeBase64(std::string_view s) {
  if (!isBase64Text(s)) return std::nullopt;
  std::istringstream in{std::string(s)};
  Poco::Base64Decoder decoder(in);
  std::string out((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
  return out;
}

std::string encodeBase64(const std::string& s) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << s;
  encoder.close();
  return out.str();
}

}  // namespace

bool isSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool isUploadId(std::string_view text) {
  if (text.size() != 32) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string newUploadId() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 4; ++i) {
    uint32_t v = rd();
    for (int j = 0; j < 8; ++j, v >>= 4) id += kHex[v & 0xf];
  }
  return id;
}

std::optional<int64_t> parseByteCount(std::string_view text, int64_t max) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v > max) return std::nullopt;
  return v;
}

Result<UploadMetadata> parseUploadMetadata(std::string_view header) {
  std::map<std::string, std::string> pairs;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (item.empty()) return Status::invalid("Upload-Metadata has an empty item");
    const size_t space = item.find(' ');
    const std::string key(item.substr(0, space));
    std::string value;
    if (space != std::string_view::npos) {
      auto decoded = decodeBase64(trim(item.substr(space + 1)));
      if (!decoded) return Status::invalid("Upload-Metadata value of '" + key + "' is not base64");
      value = std::move(*decoded);
    }
    if (!pairs.emplace(key, std::move(value)).second)
      return Status::invalid("Upload-Metadata repeats the key '" + key + "'");
  }
  UploadMetadata meta;
  meta.sha256 = pairs["sha256"];
  if (!isSha256Hex(meta.sha256))
    return Status::invalid(
        "Upload-Metadata needs sha256 <base64 of the 64 lowercase hex digits of the SHA-256>");
  meta.filename = pairs["filename"];
  meta.filetype = pairs["filetype"].empty() ? "application/octet-stream" : pairs["filetype"];
  return meta;
}

std::string formatUploadMetadata(const UploadMetadata& meta) {
  std::string out = "sha256 " + encodeBase64(meta.sha256);
  if (!meta.filename.empty()) out += ",filename " + encodeBase64(meta.filename);
  if (!meta.filetype.empty()) out += ",filetype " + encodeBase64(meta.filetype);
  return out;
}

RangeParse parseRange(std::string_view header, int64_t size) {
  header = trim(header);
  if (header.empty()) return {};
  constexpr std::string_view kPrefix = "bytes=";
  if (header.substr(0, kPrefix.size()) != kPrefix) return {RangeKind::kMalformed, {}};
  const std::string_view spec = trim(header.substr(kPrefix.size()));
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos)
    return {RangeKind::kMalformed, {}};
  constexpr int64_t kMax = INT64_MAX / 2;
  const std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  if (a.empty()) {  // suffix: the last n bytes
    auto n = parseByteCount(b, kMax);
    if (!n) return {RangeKind::kMalformed, {}};
    if (*n == 0 || size == 0) return {RangeKind::kUnsatisfiable, {}};
    const int64_t len = std::min(*n, size);
    return {RangeKind::kRange, {size - len, len}};
  }
  auto first = parseByteCount(a, kMax);
  if (!first) return {RangeKind::kMalformed, {}};
  int64_t last = size - 1;
  if (!b.empty()) {
    auto l = parseByteCount(b, kMax);
    if (!l || *l < *first) return {RangeKind::kMalformed, {}};
    last = std::min(*l, size - 1);
  }
  if (*first >= size) return {RangeKind::kUnsatisfiable, {}};
  return {RangeKind::kRange, {*first, last - *first + 1}};
}

}  // namespace yard::attachments
