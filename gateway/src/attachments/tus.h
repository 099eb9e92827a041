#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace yard::attachments {

// Pure parsing of the tus 1.0 headers and of HTTP Range (DESIGN §6). No I/O.

constexpr const char* kTusVersion = "1.0.0";

// True when text is exactly 64 lowercase hex digits: the only form a sha256 may take in a URL
// or in metadata, so no path trick ("..", "/", upper case aliases) can reach the file system.
bool isSha256Hex(std::string_view text);

// True when text has the form of an upload id this node generates: 32 lowercase hex digits.
bool isUploadId(std::string_view text);
// A new random upload id (128 bits from the system's CSPRNG): unguessable, so knowing one is
// needed to touch an upload.
std::string newUploadId();

// Upload-Length / Upload-Offset: a non-negative decimal integer without sign or spaces, no
// larger than max. nullopt for anything else.
std::optional<int64_t> parseByteCount(std::string_view text, int64_t max);

// The part of Upload-Metadata the gateway uses. tus metadata is "key base64value" pairs
// separated by commas; a key may come without a value.
struct UploadMetadata {
  std::string sha256;    // required: lowercase hex digest
  std::string filename;  // optional
  std::string filetype;  // optional: the MIME type, "application/octet-stream" when absent
};

// Parses and validates Upload-Metadata. kInvalid (with a message for the client) when it is
// malformed, a value is not base64, a key repeats, or sha256 is missing or not 64 lowercase hex.
Result<UploadMetadata> parseUploadMetadata(std::string_view header);

// Builds the Upload-Metadata header a client sends (the transport's tus client uses it).
std::string formatUploadMetadata(const UploadMetadata& meta);

// A single byte range of a file of size bytes, from "bytes=a-b", "bytes=a-" or "bytes=-n".
struct ByteRange {
  int64_t first = 0;
  int64_t length = 0;
};
// kNone: no header (send the whole file); kRange: one satisfiable range (206);
// kUnsatisfiable: starts past the end (416); kMalformed: not one "bytes=" range (multiple
// ranges are not supported; RFC 9110 lets a server ignore such a header and send it all).
enum class RangeKind { kNone, kRange, kUnsatisfiable, kMalformed };
struct RangeParse {
  RangeKind kind = RangeKind::kNone;
  ByteRange range;
};
RangeParse parseRange(std::string_view header, int64_t size);

}  // namespace yard::attachments
