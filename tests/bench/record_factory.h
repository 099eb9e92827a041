#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "core/record.h"

namespace yard::bench {

using Json = core::Json;

// Who wrote a record: the phone, its operator and the node that stamped it.
struct Author {
  std::string device;
  std::string operator_id;
  std::string node;
};

// Realistic yard records for the benchmarks: the three shipped types in the mix a gate-heavy
// site sees (about half gate events, a third inspections, the rest interchanges), with bodies
// the size phones send (carriers, lanes, checklists, the odd note or damage list). Not
// thread-safe: one factory per thread.
class RecordFactory {
 public:
  RecordFactory(std::string site, uint64_t seed);

  // Ids are UUIDv7 as our phone library makes them (time-ordered); v4 (random) ids, which older
  // or foreign clients may send, can be chosen for the whole process to compare the two.
  static void useRandomIds(bool random_ids);

  // A new record as a phone creates it: new id, new write_id, no stamp yet. Workflow types start
  // in their initial state, as a phone's first write of them does.
  core::Record fresh(const Author& author);
  // A record as it may sit in a store that has run for months: any workflow state (submitted
  // inspections carry a signature and photos), stamped by author.node at ms.
  core::Record aged(const Author& author, int64_t ms, int counter);

  // What a phone sends for a new record (DESIGN §4 write; base null, no stamp).
  static Json phoneWrite(const core::Record& record);
  // What a gateway pushes upstream for a stamped record (stamp and origin kept).
  static Json nodeWrite(const core::Record& record);
  // The canonical document the store keeps for a record (what the sqlite plugin writes).
  static std::string storedDoc(const core::Record& record);

 private:
  core::Record make(const Author& author, bool aged, int64_t ms);
  Json gateEvent();
  Json inspection(bool aged, core::Record& record);
  Json interchange(bool aged);
  std::string equipment();
  std::string pick(std::initializer_list<const char*> options);
  std::string uuid(int64_t ms);

  std::string site_;
  std::mt19937_64 random_;
  int64_t now_ms_;
  uint64_t ids_made_ = 0;
};

}  // namespace yard::bench
