#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "simulator/simulated_phone.h"

namespace yard::device {

struct FleetOptions {
  PhoneLink link;
  std::string admin_token;  // enrols the phones (secret: never printed)
  std::string site;         // empty: ask the gateway
  std::string dir;          // where the phones' databases go
  std::string prefix;       // device ids are <prefix>-<n>; empty: sim-<time>
  int phones = 10;
  int steps = 20;           // work steps per phone
  int shared_records = 3;   // inspections the whole site edits concurrently
  double offline_p = 0.05;  // per step: chance an offline spell starts
  double kill_p = 0.03;     // per step: chance of an app kill
  int64_t photo_bytes = 64 * 1024;
  // Reconnect storm: every phone first makes this many writes offline, then all sync at once
  // (no work steps). 0: the yard simulation.
  int storm_writes = 0;
  uint64_t seed = 1;
};

struct FleetSummary {
  int phones = 0;
  PhoneCounts counts;
  SyncTotals sync;
  int64_t bytes_up = 0, bytes_down = 0;
  double seconds = 0;        // the whole run
  double storm_seconds = 0;  // reconnect storm: from "all reconnect" to all reconciled
  int64_t diverged = 0;      // phones whose state is not the gateway's
  int64_t lost = 0;          // records a phone created that the gateway does not have
  std::string first_problem;
  bool ok() const { return diverged == 0 && lost == 0; }
};

// steps done so far, of total.
using FleetProgress = std::function<void(int64_t done, int64_t total)>;

// A yard full of phones against one gateway (yard-phone simulate): enrols them, runs each on
// its own thread through its script, settles every phone (online, synced, nothing pending),
// syncs them all once more so each has pulled the others' last writes, and checks that every
// phone's local state equals the gateway's and that no record a phone created is missing.
Result<FleetSummary> runFleet(const FleetOptions& options, const FleetProgress& progress);

// The summary as the CLI prints it (plain text, one "key: value" per line), and as JSON.
std::string formatSummary(const FleetSummary& summary);
core::Json summaryJson(const FleetSummary& summary);

}  // namespace yard::device
