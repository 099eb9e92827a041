#pragma once

#include "core/record.h"

namespace yard::core {

// What a node does with a version its upstream sent (a pulled change, or the record answered
// for one of its own pushed writes). Upstream applies the same stamp order, so the node only
// has to keep the greater stamp; what it adds is the audit and the notice for its own device
// whose version lost, which upstream cannot give (it does not know the phone).
struct Adoption {
  bool store = false;         // upstream's version becomes canonical here
  bool audit_local = false;   // the local version it replaces lost a concurrent race: audit it
  bool notify_local = false;  // ... and tell its author, a device of this node
};

// upstream: the version from upstream; local: this node's canonical version (nullptr: none);
// self: this node's id.
Adoption decideAdoption(const Record& upstream, const Record* local, const std::string& self);

}  // namespace yard::core
