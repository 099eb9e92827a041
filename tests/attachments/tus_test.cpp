#include <catch2/catch.hpp>

#include "attachments/tus.h"

using namespace yard::attachments;

namespace {
const std::string kSha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// base64 of kSha
const std::string kSha64 =
    "ZTNiMGM0NDI5OGZjMWMxNDlhZmJmNGM4OTk2ZmI5MjQyN2FlNDFlNDY0OWI5MzRjYTQ5NTk5MWI3ODUyYjg1NQ==";
}  // namespace

TEST_CASE("sha256 in a URL must be exactly 64 lowercase hex", "[attachments][tus]") {
  CHECK(isSha256Hex(kSha));
  CHECK_FALSE(isSha256Hex(kSha.substr(1)));
  CHECK_FALSE(isSha256Hex(kSha + "0"));
  std::string upper = kSha;
  upper[0] = 'E';
  CHECK_FALSE(isSha256Hex(upper));
  CHECK_FALSE(isSha256Hex("../../../../etc/passwd" + std::string(42, 'a')));
  CHECK_FALSE(isSha256Hex(std::string(63, 'a') + "/"));
  CHECK_FALSE(isSha256Hex(""));
}

TEST_CASE("Upload-Length and Upload-Offset are plain non-negative integers", "[attachments][tus]") {
  CHECK(parseByteCount("0", 10) == 0);
  CHECK(parseByteCount("5242880", 1 << 30) == 5242880);
  CHECK_FALSE(parseByteCount("11", 10));
  CHECK_FALSE(parseByteCount("-1", 10));
  CHECK_FALSE(parseByteCount("+1", 10));
  CHECK_FALSE(parseByteCount(" 1", 10));
  CHECK_FALSE(parseByteCount("1e3", 10000));
  CHECK_FALSE(parseByteCount("", 10));
  CHECK_FALSE(parseByteCount("99999999999999999999", INT64_MAX));
}

TEST_CASE("Upload-Metadata: sha256 required, base64 values, optional name and type",
          "[attachments][tus]") {
  auto m = parseUploadMetadata("sha256 " + kSha64 +
                               ",filename cGhvdG8uanBn,filetype aW1hZ2UvanBlZw==,is_confidential");
  REQUIRE(m.isOk());
  CHECK(m->sha256 == kSha);
  CHECK(m->filename == "photo.jpg");
  CHECK(m->filetype == "image/jpeg");

  auto bare = parseUploadMetadata("sha256 " + kSha64);
  REQUIRE(bare.isOk());
  CHECK(bare->filetype == "application/octet-stream");

  CHECK_FALSE(parseUploadMetadata("").isOk());
  CHECK_FALSE(parseUploadMetadata("filename cGhvdG8uanBn").isOk());
  CHECK_FALSE(parseUploadMetadata("sha256 " + kSha).isOk());  // not base64 of the hex
  CHECK_FALSE(parseUploadMetadata("sha256 " + kSha64 + ",sha256 " + kSha64).isOk());
  CHECK_FALSE(parseUploadMetadata("sha256 " + kSha64 + ",,x").isOk());
  CHECK_FALSE(parseUploadMetadata("sha256 ab!c").isOk());
  // The hash of "../x" is not hex: refused, however it is encoded.
  CHECK_FALSE(parseUploadMetadata("sha256 Li4veA==").isOk());
}

TEST_CASE("Upload-Metadata round-trips through the client formatter", "[attachments][tus]") {
  UploadMetadata in{kSha, "sig.png", "image/png"};
  auto out = parseUploadMetadata(formatUploadMetadata(in));
  REQUIRE(out.isOk());
  CHECK(out->sha256 == kSha);
  CHECK(out->filename == "sig.png");
  CHECK(out->filetype == "image/png");
}

TEST_CASE("Range: one byte range, suffix, open end, unsatisfiable, malformed",
          "[attachments][range]") {
  CHECK(parseRange("", 100).kind == RangeKind::kNone);
  auto r = parseRange("bytes=0-9", 100);
  CHECK(r.kind == RangeKind::kRange);
  CHECK(r.range.first == 0);
  CHECK(r.range.length == 10);
  r = parseRange("bytes=90-", 100);
  CHECK(r.range.first == 90);
  CHECK(r.range.length == 10);
  r = parseRange("bytes=95-500", 100);
  CHECK(r.range.length == 5);
  r = parseRange("bytes=-30", 100);
  CHECK(r.range.first == 70);
  CHECK(r.range.length == 30);
  r = parseRange("bytes=-300", 100);
  CHECK(r.range.first == 0);
  CHECK(r.range.length == 100);
  CHECK(parseRange("bytes=100-", 100).kind == RangeKind::kUnsatisfiable);
  CHECK(parseRange("bytes=0-", 0).kind == RangeKind::kUnsatisfiable);
  CHECK(parseRange("bytes=-0", 100).kind == RangeKind::kUnsatisfiable);
  CHECK(parseRange("bytes=5-1", 100).kind == RangeKind::kMalformed);
  CHECK(parseRange("bytes=0-1,5-6", 100).kind == RangeKind::kMalformed);
  CHECK(parseRange("items=0-1", 100).kind == RangeKind::kMalformed);
  CHECK(parseRange("bytes=a-b", 100).kind == RangeKind::kMalformed);
}
