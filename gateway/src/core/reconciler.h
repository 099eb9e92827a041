#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/record.h"
#include "core/record_type.h"

namespace yard::core {

enum class WriteStatus { kAccepted, kConflict, kRejected };
std::string_view toString(WriteStatus status);

// What the node does with one incoming write: the answer to the device and the side effects.
// Pure data; the sync layer carries it out inside the batch's transaction.
struct Decision {
  WriteStatus status = WriteStatus::kRejected;
  std::string reason;                 // plain language, for conflict and rejected
  bool make_canonical = false;        // the incoming version becomes the canonical record
  bool audit_incoming = false;        // the incoming version lost: keep it in the audit table
  bool audit_canonical = false;       // a concurrent canonical version was overwritten: audit it
  bool remember_write = false;        // remember write_id -> stamp (every stamped write)
  bool keep_canonical_stamp = false;  // no new version: the write maps to the canonical stamp
};

// Checks that do not depend on the stored state: the type exists, the record belongs to the
// caller's site and the version satisfies its type. Returns the reason to reject, if any.
// body_json: incoming.body already dumped, if the caller has it.
std::optional<std::string> precheckWrite(const Record& incoming, const RecordType* type,
                                         std::string_view caller_site,
                                         std::string_view body_json = {});

// Whole-record last-writer-wins (DESIGN §3-§4) for a write that already carries its stamp
// (assigned here, or kept from the trusted node that assigned it). base is the stamp the device
// edited from (nullopt: it created the record). canonical is the current canonical version, or
// nullptr. type must be the incoming record's type (precheckWrite passed).
Decision decide(const Record& incoming, const std::optional<std::string>& base,
                const Record* canonical, const RecordType& type);

// A write_id this node stamped before arrives again: the device lost our answer. It keeps its
// original stamp, so it is accepted while that version is still canonical and a conflict once a
// later one replaced it. Nothing is stored again.
Decision decideRetransmit(std::string_view original_stamp, const Record* canonical);

}  // namespace yard::core
