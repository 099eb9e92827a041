#pragma once

#include <optional>
#include <string>

#include "core/reconciler.h"
#include "core/record.h"

namespace yard::device {

// A record as a phone holds it: the last canonical version the gateway sent, and the phone's
// own version while it waits to be sent (pending_sync). Reads show the local version when there
// is one: the phone never waits on the network to show its own write (DESIGN §2 rule 1).
struct LocalRow {
  std::optional<core::Record> canonical;
  std::optional<core::Record> local;
  std::string write_id;  // of the pending edit (fresh per edit)
  std::string base;      // the canonical stamp the pending edit was made from ("": a new record)

  bool pending() const { return local.has_value(); }
  const core::Record* view() const { return local ? &*local : (canonical ? &*canonical : nullptr); }
  // Nothing left to show: a draft the gateway refused and never had.
  bool empty() const { return !local && !canonical; }
};

// One entry of a sync answer's results (docs/protocol.md).
struct WriteResult {
  std::string write_id;
  std::string id;
  core::WriteStatus status = core::WriteStatus::kRejected;
  std::optional<core::Record> record;  // canonical after the write; none when none exists
  std::string reason;
};
Result<WriteResult> writeResultFromJson(const core::Json& json);

// A local edit: version becomes the pending version under write_id. A second edit before the
// first is sent replaces it and keeps its base: both were made on top of the same canonical.
void applyLocalEdit(LocalRow& row, core::Record version, std::string write_id);

// The gateway's answer to one of this phone's writes. The answer is adopted only for the edit
// it is about: an edit made while the request was in flight stays pending (and, when the
// answered write was accepted, is now on top of it).
void adoptResult(LocalRow& row, const WriteResult& result);

// A canonical version from the change feed. A pending local edit is kept: it is newer by the
// gateway's clock once it arrives there (last writer wins by server-received time), and its
// base tells the gateway it raced this version.
void adoptChange(LocalRow& row, const core::Record& canonical);

// The JSON write (DESIGN §4) that sends row's pending version.
core::Json toWrite(const LocalRow& row);

}  // namespace yard::device
