#include <catch2/catch.hpp>

#include "gzip_policy.h"

using yard::transport_https::GzipPolicy;

namespace {

constexpr size_t kRaw = 256 * 1024;  // a request of 500 records
// zlib level 6 on such a request here: ~120 MB/s, to 16% of its size.
void packLikeZlib(GzipPolicy& p) { p.packed(kRaw, kRaw * 16 / 100, kRaw / 120e6); }

}  // namespace

TEST_CASE("gzip until both the compressor and the link are measured") {
  GzipPolicy p;
  CHECK(p.worthIt());
  packLikeZlib(p);
  CHECK(p.worthIt());
  GzipPolicy q;
  q.received(64 * 1024, 1e-5);  // a fast link, but the compressor is unknown
  CHECK(q.worthIt());
}

TEST_CASE("a WAN keeps gzip, loopback drops it") {
  GzipPolicy wan;
  packLikeZlib(wan);
  wan.received(27 * 1024, 27 * 1024 / 1.25e6);  // 10 Mbit/s
  CHECK(wan.worthIt());

  GzipPolicy loopback;
  packLikeZlib(loopback);
  loopback.received(78 * 1024, 0);  // already in the socket buffer
  CHECK_FALSE(loopback.worthIt());

  // Gigabit: 125 MB/s is more than 120 MB/s * 0.84 saves.
  GzipPolicy lan;
  packLikeZlib(lan);
  lan.received(78 * 1024, 78 * 1024 / 125e6);
  CHECK_FALSE(lan.worthIt());
}

TEST_CASE("small bodies are not samples") {
  GzipPolicy p;
  packLikeZlib(p);
  p.received(GzipPolicy::kLeastSample - 1, 0);
  CHECK(p.worthIt());  // the link is still unmeasured
  p.packed(1000, 10, 1e-9);
  p.received(64 * 1024, 64 * 1024 / 1.25e6);
  CHECK(p.worthIt());
}

TEST_CASE("a link that slows down brings gzip back within a few answers, not one") {
  GzipPolicy p;
  packLikeZlib(p);
  p.received(78 * 1024, 78 * 1024 / 400e6);
  REQUIRE_FALSE(p.worthIt());
  p.received(78 * 1024, 78 * 1024 / 50e6);  // one slow answer
  CHECK_FALSE(p.worthIt());
  for (int i = 0; i < 5; ++i) p.received(78 * 1024, 78 * 1024 / 1.25e6);
  CHECK(p.worthIt());
}
