#pragma once

#include <cstdint>
#include <string>

namespace yard::core {

// UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids made this way
// sort by creation time, so a node's indexes on record ids and write ids grow at their right
// edge instead of at random pages: measured here, the writer's insert cost for v7 ids is a
// fraction of that for random (v4) ids once the store outgrows its page cache
// (docs/performance.md). Any UUID is still accepted; v7 is what our clients make.

// Formats the fields: rand_a keeps its low 12 bits, rand_b its low 62 bits.
std::string formatUuidV7(uint64_t unix_ms, uint16_t rand_a, uint64_t rand_b);

// A version 4 (random) UUID from 128 random bits, of which the version and variant take six.
// For tests and benchmarks that play clients making random ids.
std::string formatUuidV4(uint64_t random_hi, uint64_t random_lo);

// A fresh v7 id from the system clock and a per-thread generator seeded by the OS. Ids from one
// thread in one millisecond still ascend (rand_a counts up from a random start).
std::string newUuidV7();

}  // namespace yard::core
